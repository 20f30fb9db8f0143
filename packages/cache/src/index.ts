export type { CacheMeta, CacheOptions } from './cache.js';
export { CACHE_META_KEY, cache } from './cache.js';
export type { CachePolicy, LoadContext, Loaded, Loader, Resolution } from './cache-policy.js';
export type {
  CacheEntry,
  CacheStore,
  CacheStoreEvent,
  CacheStoreHealth,
  StoredEntry,
} from './cache-store.js';
export { canonicalKey } from './canonical-key.js';
export type { Cache, CreateCacheOptions, SetOptions } from './create-cache.js';
export { createCache } from './create-cache.js';
export { invalidate } from './invalidate.js';
export type { InvalidatesOptions } from './invalidates.js';
export { invalidates } from './invalidates.js';
export type { MemoryCacheStoreOptions } from './memory-store.js';
export { createMemoryCacheStore } from './memory-store.js';
export type { CacheBus, CacheBusListener, CacheBusMessage, RedisCacheBusOptions } from './redis-bus.js';
export { createRedisCacheBus } from './redis-bus.js';
export type { RedisClientLike, RedisSubscriberLike } from './redis-client.js';
export type { RedisCacheStoreOptions } from './redis-store.js';
export { createRedisCacheStore } from './redis-store.js';
export type { Serializer } from './serializer.js';
export { jsonSerializer } from './serializer.js';
export type { TieredCacheStoreOptions } from './tiered-store.js';
export { createTieredCacheStore } from './tiered-store.js';
