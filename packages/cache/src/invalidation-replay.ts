import type { CacheStore } from './cache-store.js';

/** Options of {@link createInvalidationReplay}. */
export interface InvalidationReplayOptions {
  store: CacheStore;
  /** Pause between two replay attempts, in ms. */
  intervalMs: number;
  /** Most keys and tags kept; beyond that new ones are counted as dropped. */
  maxPending: number;
  /** Reports a failed attempt or a dropped invalidation. */
  failed(operation: string, error: unknown): void;
}

/** Keeps deletes and tag invalidations a store refused, and retries them until it takes them. */
export interface InvalidationReplay {
  /** Keeps `keys` and `tags` (invalidated at `at`) for replay and starts retrying in the background. */
  keep(keys: readonly string[], tags: readonly string[], at: number): void;
  /** How many keys and tags wait for replay. */
  pending(): number;
  /** Stops retrying. */
  close(): void;
}

/**
 * A store that throws on a delete or an invalidation (a bare `createRedisCacheStore` while Redis is away)
 * has not kept it, and the entries it voids would be served by every other instance until their
 * ttl. The cache keeps it instead and retries in the background until the store takes it, whether
 * or not this instance serves calls. (A `createTieredCacheStore` never throws here: it keeps its own.)
 */
export function createInvalidationReplay(options: InvalidationReplayOptions): InvalidationReplay {
  const { store, intervalMs, maxPending, failed } = options;
  const keys = new Set<string>();
  const tags = new Map<string, number>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let dropped = 0;

  const replay = async () => {
    const keyList = [...keys];
    if (keyList.length > 0) {
      await store.delete(keyList);
      for (const key of keyList) keys.delete(key);
    }
    for (const [tag, at] of [...tags]) {
      await store.invalidateTags([tag], at);
      // An invalidation of the same tag kept meanwhile stays for the next round.
      if (tags.get(tag) === at) tags.delete(tag);
    }
    if (dropped > 0) {
      failed('replay', new Error(`${dropped} invalidations the store refused could not be kept`));
      dropped = 0;
    }
  };

  const schedule = () => {
    if (timer || closed || keys.size + tags.size === 0) return;
    timer = setTimeout(() => {
      replay()
        .catch((error: unknown) => failed('replay', error))
        .finally(() => {
          timer = undefined;
          schedule();
        });
    }, intervalMs);
    timer.unref?.();
  };

  return {
    keep(keyList, tagList, at) {
      for (const key of keyList) {
        if (keys.has(key)) continue;
        if (keys.size + tags.size >= maxPending) dropped++;
        else keys.add(key);
      }
      for (const tag of tagList) {
        const known = tags.get(tag);
        if (known !== undefined) tags.set(tag, Math.max(known, at));
        else if (keys.size + tags.size >= maxPending) dropped++;
        else tags.set(tag, at);
      }
      schedule();
    },
    pending: () => keys.size + tags.size,
    close() {
      closed = true;
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
