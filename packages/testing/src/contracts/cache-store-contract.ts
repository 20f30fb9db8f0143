import {
  type ContractSuite,
  type ContractTest,
  ensure,
  ensureEqual,
  settlesWithin,
  uniquePrefix,
} from './contract-suite.js';

/** One cache entry as `@mcpkit/cache` stores it (`CacheEntry`), structurally. */
export interface CacheEntryLike {
  value: unknown;
  createdAt: number;
  freshUntil: number;
  staleUntil: number;
  expiresAt: number;
  tags: readonly string[];
  size: number;
}

/** The cache store contract of `@mcpkit/cache` (`CacheStore`), structurally: the members the suite checks. */
export interface CacheStoreLike {
  readonly name: string;
  get(key: string): Promise<{ entry: CacheEntryLike; layer: 'l1' | 'l2'; invalidated: boolean } | undefined>;
  peek?(key: string): { entry: CacheEntryLike; layer: 'l1' | 'l2'; invalidated: boolean } | undefined;
  set(key: string, entry: CacheEntryLike): Promise<void>;
  delete(keys: readonly string[]): Promise<void>;
  invalidateTags(tags: readonly string[], at: number): Promise<void>;
  clear(): Promise<void>;
  check(): Promise<{ healthy: boolean; details: Record<string, unknown> }>;
  subscribe(listener: (event: { type: string }) => void): () => void;
  close(): Promise<void>;
}

/** Options of {@link cacheStoreContract}. */
export interface CacheStoreContractOptions {
  /** A fresh store (may be async). The suite closes it after each check. */
  create(): CacheStoreLike | Promise<CacheStoreLike>;
  /** A store whose backend is down, for the failure check. */
  unreachable?(): CacheStoreLike | Promise<CacheStoreLike>;
  /** How long an entry of the expiry check lives, in ms (the suite waits twice as long: `expiresAt` is wall-clock time). Default: 40. */
  expiryMs?: number;
}

function entry(
  value: unknown,
  options: { tags?: string[]; createdAt?: number; lifeMs?: number } = {},
): CacheEntryLike {
  const now = Date.now();
  const createdAt = options.createdAt ?? now;
  const life = options.lifeMs ?? 60_000;
  return {
    value,
    createdAt,
    freshUntil: createdAt + life,
    staleUntil: createdAt + life,
    expiresAt: now + life,
    tags: options.tags ?? [],
    size: JSON.stringify(value).length,
  };
}

/**
 * The cache store contract as a suite: round trips of entries (value, times, tags), overwrites
 * and deletes, tag invalidation by creation time, physical expiry at `expiresAt`, concurrent
 * writes, health, and bounded failure while the backend is down.
 */
export function cacheStoreContract(options: CacheStoreContractOptions): ContractSuite {
  const prefix = uniquePrefix('cache');
  let n = 0;
  const key = () => `${prefix}${++n}`;
  const tag = () => `${prefix}tag-${++n}`;
  const withStore = (body: (store: CacheStoreLike) => Promise<void>) => async () => {
    const store = await options.create();
    try {
      await body(store);
    } finally {
      await store.close();
    }
  };
  const expiryMs = options.expiryMs ?? 40;
  const tests: ContractTest[] = [
    {
      name: 'answers undefined for a key it never stored',
      run: withStore(async (store) => {
        ensureEqual(await store.get(key()), undefined, 'get of an unknown key');
      }),
    },
    {
      name: 'gives back what was stored: value, times and tags, not invalidated',
      run: withStore(async (store) => {
        const k = key();
        const stored = entry(
          { id: 7, name: 'Ada', nested: { list: [1, 'two', null] } },
          { tags: ['user:7'] },
        );
        await store.set(k, stored);
        const got = await store.get(k);
        ensure(got, 'the stored entry should be found');
        ensureEqual(got.entry, stored, 'the entry read back');
        ensureEqual(got.invalidated, false, 'invalidated');
        ensure(got.layer === 'l1' || got.layer === 'l2', `layer is l1 or l2, got ${got.layer}`);
        if (store.peek) {
          const peeked = store.peek(k);
          if (peeked) ensureEqual(peeked.entry, stored, 'the entry peek reads');
        }
      }),
    },
    {
      name: 'overwrites an entry, and deletes several keys at once',
      run: withStore(async (store) => {
        const [a, b, c] = [key(), key(), key()];
        await store.set(a, entry('first'));
        await store.set(a, entry('second'));
        ensureEqual((await store.get(a))?.entry.value, 'second', 'value after an overwrite');
        await store.set(b, entry('b'));
        await store.set(c, entry('c'));
        await store.delete([a, b]);
        ensureEqual(await store.get(a), undefined, 'deleted key a');
        ensureEqual(await store.get(b), undefined, 'deleted key b');
        ensureEqual((await store.get(c))?.entry.value, 'c', 'key c, not deleted');
      }),
    },
    {
      name: 'voids entries of an invalidated tag created at or before the invalidation, and no others',
      run: withStore(async (store) => {
        const t = tag();
        const at = Date.now();
        const [before, same, after, untagged] = [key(), key(), key(), key()];
        await store.set(before, entry('before', { tags: [t], createdAt: at - 1_000 }));
        await store.set(same, entry('same', { tags: [t], createdAt: at }));
        await store.set(after, entry('after', { tags: [t], createdAt: at + 1_000 }));
        await store.set(untagged, entry('untagged', { createdAt: at - 1_000 }));
        await store.invalidateTags([t], at);
        for (const k of [before, same]) {
          const got = await store.get(k);
          ensure(
            got === undefined || got.invalidated,
            `an entry created at or before the invalidation is voided (${k})`,
          );
        }
        ensureEqual((await store.get(after))?.invalidated, false, 'an entry created after the invalidation');
        ensureEqual((await store.get(untagged))?.invalidated, false, 'an entry without the tag');
      }),
    },
    {
      name: 'drops an entry once its expiresAt has passed (expiry)',
      run: withStore(async (store) => {
        const k = key();
        const keep = key();
        await store.set(k, entry('short-lived', { lifeMs: expiryMs }));
        await store.set(keep, entry('long-lived'));
        await new Promise((resolve) => setTimeout(resolve, expiryMs * 2 + 10));
        ensureEqual(await store.get(k), undefined, `an entry ${expiryMs * 2 + 10} ms past its expiresAt`);
        ensureEqual((await store.get(keep))?.entry.value, 'long-lived', 'an entry not yet expired');
      }),
    },
    {
      name: 'keeps every one of many concurrent writes, and one whole value per key',
      run: withStore(async (store) => {
        const keys = Array.from({ length: 25 }, () => key());
        await Promise.all(keys.map((k, i) => store.set(k, entry({ i }))));
        const got = await Promise.all(keys.map((k) => store.get(k)));
        ensureEqual(
          got.map((g) => g?.entry.value),
          keys.map((_, i) => ({ i })),
          'values of 25 concurrent writes',
        );
        const shared = key();
        await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            store.set(shared, entry({ writer: i, payload: 'x'.repeat(i) })),
          ),
        );
        const last = (await store.get(shared))?.entry.value as
          | { writer: number; payload: string }
          | undefined;
        ensure(
          last && last.payload === 'x'.repeat(last.writer),
          `one whole value of the racing writes, got ${JSON.stringify(last)}`,
        );
      }),
    },
    {
      name: 'reports itself healthy and lets a listener unsubscribe',
      run: withStore(async (store) => {
        const health = await store.check();
        ensureEqual(health.healthy, true, 'check().healthy of a working store');
        const unsubscribe = store.subscribe(() => {});
        ensure(typeof unsubscribe === 'function', 'subscribe returns an unsubscribe function');
        unsubscribe();
      }),
    },
  ];
  if (options.unreachable) {
    const unreachable = options.unreachable;
    tests.push({
      name: 'answers within a bound and reports itself unhealthy while its backend is down (failure)',
      run: async () => {
        const store = await unreachable();
        try {
          const read = await settlesWithin(
            () => store.get(key()),
            5_000,
            'get on a store whose backend is down',
          );
          ensure(
            !read.ok || read.value === undefined,
            'get while down rejects or misses; it never invents an entry',
          );
          const health = await settlesWithin(
            () => store.check(),
            5_000,
            'check on a store whose backend is down',
          );
          ensure(
            health.ok && health.value.healthy === false,
            'check() reports healthy: false while the backend is down',
          );
        } finally {
          await store.close();
        }
      },
    });
  }
  return { name: 'cache store contract', tests };
}
