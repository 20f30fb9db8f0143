import { type Clock, clockNow } from '../../engine/clock.js';
import { McpkitError } from '../../engine/errors.js';
import type { LoggingLevel } from '../../protocol/versions.js';

/** What a legacy-era session remembers between requests (serializable, so it can live in Redis). */
export interface SessionRecord {
  protocolVersion: string;
  clientInfo: { name: string; version: string; [key: string]: unknown } | undefined;
  clientCapabilities: Record<string, unknown>;
  logLevel: LoggingLevel | undefined;
  subscriptions: string[];
  /** Digest of the caller that created the session; anyone else is told it does not exist. Absent: anonymous. */
  owner?: string;
}

/**
 * Where legacy-era sessions live. The memory store serves one process; share a store to scale out.
 * A store that cannot take another session throws a coded `McpkitError` from `set` (retryable,
 * with `retryAfterMs`): the client then gets a 503 with `Retry-After`, and nobody's session is dropped.
 */
export interface SessionStore {
  get(id: string): Promise<SessionRecord | undefined> | SessionRecord | undefined;
  set(id: string, record: SessionRecord): Promise<void> | void;
  delete(id: string): Promise<void> | void;
}

/** Options of {@link createMemorySessionStore}. */
export interface MemorySessionStoreOptions {
  /** Sessions idle longer than this are forgotten, in milliseconds. Default: 30 minutes. */
  idleTimeoutMs?: number;
  /** Most sessions kept. Default: 10 000. */
  maxSessions?: number;
  /**
   * When the store is full, the least recently used session may make room for a new one only if
   * it has been idle at least this long, in milliseconds; otherwise the new session is refused
   * (503, retryable). Default: 5 minutes.
   */
  evictIdleAfterMs?: number;
  /** Clock in ms (tests inject one). Default: `clock`'s. */
  now?: () => number;
  /** The clock read when `now` is not given (see `Clock`). Default: `systemClock`. */
  clock?: Clock;
}

/** An in-process session store with idle expiry and a size bound that never evicts a recently active session. */
export function createMemorySessionStore(options: MemorySessionStoreOptions = {}): SessionStore {
  const idleMs = options.idleTimeoutMs ?? 30 * 60_000;
  const max = options.maxSessions ?? 10_000;
  const evictAfterMs = Math.min(options.evictIdleAfterMs ?? 5 * 60_000, idleMs);
  const now = clockNow(options);
  // Insertion order is least-recently-used order: every read and write re-inserts.
  const sessions = new Map<string, { record: SessionRecord; seen: number }>();
  /** Makes room for one more session, or throws when every session is too recently active to drop. */
  const makeRoom = (at: number) => {
    while (sessions.size >= max) {
      const [oldest, entry] = sessions.entries().next().value as [string, { seen: number }];
      const idle = at - entry.seen;
      if (idle < evictAfterMs) {
        throw new McpkitError('UPSTREAM_UNAVAILABLE', 'The server holds as many sessions as it can.', {
          retryable: true,
          retryAfterMs: Math.max(1_000, evictAfterMs - idle),
          hint: 'Retry later, or reuse an open session.',
        });
      }
      sessions.delete(oldest);
    }
  };
  return {
    get(id) {
      const entry = sessions.get(id);
      if (!entry) return undefined;
      const at = now();
      sessions.delete(id);
      if (at - entry.seen > idleMs) return undefined;
      entry.seen = at;
      sessions.set(id, entry);
      return entry.record;
    },
    set(id, record) {
      const at = now();
      if (!sessions.delete(id)) makeRoom(at);
      sessions.set(id, { record, seen: at });
    },
    delete(id) {
      sessions.delete(id);
    },
  };
}
