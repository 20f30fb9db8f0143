/** One cached value with the timestamps that decide whether it is fresh, stale or gone. */
export interface CacheEntry<V = unknown> {
  /** The cached value. Stores hand back the same value; never mutate it. */
  value: V;
  /** When the loader that produced the value started (cache clock, ms). Tag invalidations at or after it void the entry. */
  createdAt: number;
  /** Until when the value is fresh (cache clock, ms). */
  freshUntil: number;
  /** Until when the value may still be served stale: grace or stale-while-revalidate (cache clock, ms). */
  staleUntil: number;
  /** Wall-clock time (`Date.now()`) after which stores may drop the entry; physical retention. */
  expiresAt: number;
  /** Tags the entry was stored under. */
  tags: readonly string[];
  /** Approximate encoded size in bytes. */
  size: number;
}

/** What a store returns for a key. */
export interface StoredEntry<V = unknown> {
  entry: CacheEntry<V>;
  /** The layer that answered: the in-process store (`l1`) or the shared one (`l2`). */
  layer: 'l1' | 'l2';
  /** True when a tag of the entry was invalidated after it was created: only usable as a grace fallback. */
  invalidated: boolean;
}

/** What a store reports about itself to the cache that uses it. */
export type CacheStoreEvent =
  | { type: 'degraded'; store: string; error: unknown }
  | { type: 'recovered'; store: string; downMs: number }
  | { type: 'error'; store: string; operation: string; error: unknown }
  /**
   * Another instance changed `keys` or voided `tags` (heard on the bus), or, with `all`, messages
   * may have been missed: loads in flight must not share or store what they started reading before.
   */
  | { type: 'invalidated'; store: string; keys: readonly string[]; tags: readonly string[]; all: boolean };

/** Readiness of a store. */
export interface CacheStoreHealth {
  healthy: boolean;
  details: Record<string, unknown>;
}

/**
 * The storage contract behind a cache: `createMemoryCacheStore`, `createRedisCacheStore` and `createTieredCacheStore` implement it;
 * implement it yourself to put the cache on something else.
 */
export interface CacheStore {
  /** Name used in logs, events and health details. */
  readonly name: string;
  /** Reads an entry; tag invalidation is already applied (see {@link StoredEntry.invalidated}). */
  get(key: string): Promise<StoredEntry | undefined>;
  /**
   * Reads the in-process layer synchronously, so a hit costs no promise hops; undefined when the
   * store has no such layer or it cannot be trusted right now. Optional.
   */
  peek?(key: string): StoredEntry | undefined;
  /** Writes an entry; the store keeps it until `entry.expiresAt` at most. */
  set(key: string, entry: CacheEntry): Promise<void>;
  /** Removes entries. */
  delete(keys: readonly string[]): Promise<void>;
  /** Voids every entry carrying one of `tags` created at or before `at` (cache clock, ms). */
  invalidateTags(tags: readonly string[], at: number): Promise<void>;
  /** Drops every entry this store holds in process (stores without local state do nothing). */
  clear(): Promise<void>;
  /**
   * Tries to take a short exclusive lock on `key` across instances; resolves to a release
   * function, or undefined only when someone else holds it (a store that cannot lock right now
   * resolves to a release that does nothing, so the caller loads at once). The cache writes its
   * value before it releases. Absent on stores without shared state.
   */
  lock?(key: string, ttlMs: number): Promise<(() => Promise<void>) | undefined>;
  /** Resolves once the store is fully connected (bus subscribed); it serves requests before that too. */
  ready?(): Promise<void>;
  /** Reports whether the store's backend is reachable. */
  check(): Promise<CacheStoreHealth>;
  /** Subscribes to degradation, recovery and error reports; returns an unsubscribe function. */
  subscribe(listener: (event: CacheStoreEvent) => void): () => void;
  /** Releases connections and timers the store opened itself (never the client you passed in). */
  close(): Promise<void>;
}
