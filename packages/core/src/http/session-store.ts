import type { LoggingLevel } from '../protocol.js';

/** What a legacy-era session remembers between requests (serializable, so it can live in Redis). */
export interface SessionRecord {
  protocolVersion: string;
  clientInfo: { name: string; version: string; [key: string]: unknown } | undefined;
  clientCapabilities: Record<string, unknown>;
  logLevel: LoggingLevel | undefined;
  subscriptions: string[];
}

/** Where legacy-era sessions live. The memory store serves one process; share a store to scale out. */
export interface SessionStore {
  get(id: string): Promise<SessionRecord | undefined> | SessionRecord | undefined;
  set(id: string, record: SessionRecord): Promise<void> | void;
  delete(id: string): Promise<void> | void;
}

/** Options of {@link createMemorySessionStore}. */
export interface MemorySessionStoreOptions {
  /** Sessions idle longer than this are forgotten, in milliseconds. Default: 30 minutes. */
  idleTimeoutMs?: number;
  /** Most sessions kept (the least recently used go first). Default: 10 000. */
  maxSessions?: number;
}

/** An in-process session store with idle expiry and a size bound. */
export function createMemorySessionStore(options: MemorySessionStoreOptions = {}): SessionStore {
  const idleMs = options.idleTimeoutMs ?? 30 * 60_000;
  const max = options.maxSessions ?? 10_000;
  const sessions = new Map<string, { record: SessionRecord; seen: number }>();
  return {
    get(id) {
      const entry = sessions.get(id);
      if (!entry) return undefined;
      if (Date.now() - entry.seen > idleMs) {
        sessions.delete(id);
        return undefined;
      }
      // Re-insert to keep the map in least-recently-used order.
      sessions.delete(id);
      entry.seen = Date.now();
      sessions.set(id, entry);
      return entry.record;
    },
    set(id, record) {
      sessions.delete(id);
      sessions.set(id, { record, seen: Date.now() });
      while (sessions.size > max) sessions.delete(sessions.keys().next().value as string);
    },
    delete(id) {
      sessions.delete(id);
    },
  };
}
