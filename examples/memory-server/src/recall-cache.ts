import {
  type Cache,
  createCache,
  createMemoryCacheStore,
  createRedisCacheBus,
  createRedisCacheStore,
  createTieredCacheStore,
  type RedisClientLike,
} from '@mcpkit/cache';

/** Options of {@link createRecallCache}. */
export interface RecallCacheOptions {
  /**
   * An ioredis client: the cache gets a shared L2 in Redis under the in-process L1, and a bus that
   * tells the other instances' L1s of every write. Absent: in process only.
   */
  redis?: RedisClientLike;
  /** Prefix of the Redis keys and bus channel; instances sharing a cache use the same. Default: `mcpkit-memory:`. */
  prefix?: string;
}

/**
 * The cache of `recall` results. With Redis its pages — `nextCursor` included — are served by
 * every instance, so every instance must sign cursors with the same secret (`RECALL_CURSOR_SECRET`).
 */
export function createRecallCache(options: RecallCacheOptions = {}): Cache {
  if (!options.redis) return createCache({ name: 'recall-cache' });
  const prefix = options.prefix ?? 'mcpkit-memory:';
  const store = createTieredCacheStore(
    createMemoryCacheStore(),
    createRedisCacheStore({ client: options.redis, prefix: `${prefix}cache:` }),
    { bus: createRedisCacheBus({ client: options.redis, channel: `${prefix}cache:bus` }) },
  );
  return createCache({ store, name: 'recall-cache' });
}
