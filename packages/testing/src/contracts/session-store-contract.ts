import type { SessionRecord, SessionStore } from '@mcpkit/core';
import { type ContractClock, manualClock } from './contract-clock.js';
import {
  type ContractSuite,
  type ContractTest,
  ensure,
  ensureEqual,
  uniquePrefix,
} from './contract-suite.js';

/** Options of {@link sessionStoreContract}. */
export interface SessionStoreContractOptions {
  /**
   * A fresh store reading time from `clock.now`, configured with the `idleTimeoutMs` and
   * `maxSessions` given below (when the store has such settings).
   */
  create(clock: ContractClock): SessionStore | Promise<SessionStore>;
  /** Frees what `create` opened. */
  dispose?(store: SessionStore): void | Promise<void>;
  /** The store's idle timeout, to check that idle sessions are forgotten and active ones kept. */
  idleTimeoutMs?: number;
  /** The store's capacity, to check that a full store refuses with a coded, retryable error. */
  maxSessions?: number;
}

function record(owner: string): SessionRecord {
  return {
    protocolVersion: '2025-11-25',
    clientInfo: { name: 'contract-client', version: '1.0.0' },
    clientCapabilities: { elicitation: {} },
    logLevel: 'info',
    subscriptions: ['config://app'],
    owner,
  };
}

/**
 * The legacy-era `SessionStore` contract of `@mcpkit/core` as a suite: round trips, overwrites
 * and deletes, concurrent writes, idle expiry on the injected clock, and a coded refusal when full.
 */
export function sessionStoreContract(options: SessionStoreContractOptions): ContractSuite {
  const prefix = uniquePrefix('session');
  let n = 0;
  const id = () => `${prefix}${++n}`;
  const withStore = (body: (store: SessionStore, clock: ContractClock) => Promise<void>) => async () => {
    const clock = manualClock();
    const store = await options.create(clock);
    try {
      await body(store, clock);
    } finally {
      await options.dispose?.(store);
    }
  };
  const tests: ContractTest[] = [
    {
      name: 'gives back what was stored, overwrites it, and forgets it once deleted',
      run: withStore(async (store) => {
        const sid = id();
        ensureEqual(await store.get(sid), undefined, 'an unknown session');
        await store.set(sid, record('alice'));
        ensureEqual(await store.get(sid), record('alice'), 'the stored session');
        await store.set(sid, { ...record('alice'), logLevel: 'debug' });
        ensureEqual((await store.get(sid))?.logLevel, 'debug', 'the session after an overwrite');
        await store.delete(sid);
        ensureEqual(await store.get(sid), undefined, 'a deleted session');
      }),
    },
    {
      name: 'keeps every one of many concurrent writes',
      run: withStore(async (store) => {
        // As many as the store holds, when it is bounded below 20.
        const ids = Array.from({ length: Math.min(20, options.maxSessions ?? 20) }, () => id());
        await Promise.all(ids.map((sid, i) => store.set(sid, record(`owner-${i}`))));
        const read = await Promise.all(ids.map((sid) => store.get(sid)));
        ensureEqual(
          read.map((s) => s?.owner),
          ids.map((_, i) => `owner-${i}`),
          'owners read back',
        );
      }),
    },
  ];
  const idle = options.idleTimeoutMs;
  if (idle !== undefined) {
    tests.push({
      name: 'forgets a session idle past the timeout and keeps one in use (expiry)',
      run: withStore(async (store, clock) => {
        const idleId = id();
        const busy = id();
        await store.set(idleId, record('alice'));
        await store.set(busy, record('bob'));
        await clock.advance(idle - 1);
        ensure(await store.get(busy), 'a session used just before the timeout');
        await clock.advance(2);
        ensureEqual(await store.get(idleId), undefined, 'a session idle past the timeout');
        ensure(await store.get(busy), 'a session whose last use is within the timeout');
      }),
    });
  }
  const max = options.maxSessions;
  if (max !== undefined) {
    tests.push({
      name: 'refuses a session past its capacity with a coded, retryable error, dropping no active one (failure)',
      run: withStore(async (store) => {
        const ids = Array.from({ length: max }, () => id());
        for (const sid of ids) await store.set(sid, record('alice'));
        let refusal: unknown;
        try {
          await store.set(id(), record('alice'));
        } catch (error) {
          refusal = error;
        }
        // Duck-typed: the store may come from another copy of @mcpkit/core.
        const coded = refusal as { code?: unknown; retryable?: unknown; retryAfterMs?: unknown } | undefined;
        ensure(
          typeof coded?.code === 'string',
          `a full store throws a coded McpkitError, got ${String(refusal)}`,
        );
        ensure(
          coded.retryable === true && typeof coded.retryAfterMs === 'number' && coded.retryAfterMs > 0,
          'the refusal is retryable, with retryAfterMs',
        );
        for (const sid of ids) ensure(await store.get(sid), `active session ${sid} is kept`);
      }),
    });
  }
  return { name: 'session store contract', tests };
}
