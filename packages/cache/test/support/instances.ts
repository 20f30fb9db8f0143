import {
  type CacheStore,
  type CreateCacheOptions,
  createCache,
  createMemoryCacheStore,
  createRedisCacheBus,
  createRedisCacheStore,
  createTieredCacheStore,
} from '@mcpkit/cache';
import type { Redis } from 'ioredis';
import { connectRedis } from './redis.js';

/** One cache instance as a server process has it: its own Redis connection, an L1, the shared L2 and the bus. */
export interface CacheInstance {
  redis: Redis;
  cache: ReturnType<typeof createCache>;
  close(): Promise<void>;
}

/** Starts an instance on `url` sharing `prefix` (keys and bus channel) with the others. */
export async function startInstance(
  prefix: string,
  options: Omit<CreateCacheOptions, 'store'> & {
    url?: string;
    probeIntervalMs?: number;
    /** Wraps the instance's store, to observe what the cache asks of it. */
    wrap?: (store: CacheStore) => CacheStore;
  } = {},
): Promise<CacheInstance> {
  const { url, probeIntervalMs, wrap, ...cacheOptions } = options;
  const redis = await connectRedis(url);
  const store = createTieredCacheStore(
    createMemoryCacheStore(),
    createRedisCacheStore({ client: redis, prefix, timeoutMs: 300 }),
    {
      bus: createRedisCacheBus({ client: redis, channel: `${prefix}bus` }),
      ...(probeIntervalMs !== undefined ? { probeIntervalMs } : {}),
    },
  );
  const cache = createCache({ ...cacheOptions, store: wrap ? wrap(store) : store });
  await cache.ready();
  return {
    redis,
    cache,
    async close() {
      await cache.close();
      redis.disconnect();
    },
  };
}

/** Resolves after `ms` of real time (the loaders under test stand in for a slow upstream). */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
