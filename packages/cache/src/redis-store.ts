import type { CacheEntry, CacheStore, StoredEntry } from './cache-store.js';
import type { RedisClientLike } from './redis-client.js';
import { requireRedisClient } from './require-redis-client.js';
import { jsonSerializer, type Serializer } from './serializer.js';
import { withTimeout } from './with-timeout.js';

/** Options of {@link createRedisCacheStore}. */
export interface RedisCacheStoreOptions {
  /**
   * Your ioredis client (or anything shaped like {@link RedisClientLike}). For fast fallback when
   * Redis is down, create it with `enableOfflineQueue: false` and `maxRetriesPerRequest: 1`.
   */
  client: RedisClientLike;
  /** Prefix of every key the store writes. Default: `mcpkit:cache:`. */
  prefix?: string;
  /** Encodes entries to bytes. Default: {@link jsonSerializer} (JSON that keeps binary values binary). */
  serializer?: Serializer;
  /** Longest wait for one Redis command before it counts as failed, in ms. Default: 500. */
  timeoutMs?: number;
  /** How long a tag invalidation is remembered in Redis, in ms; keep it above your longest ttlMs + graceMs. Default: 24 h. */
  tagRetentionMs?: number;
  /** Name in logs and health details. Default: `redis`. */
  name?: string;
}

// Raises a tag's invalidation time, never lowers it: two instances invalidating at once (or with
// slightly skewed clocks) must not let the older time win.
const RAISE_TAGS = `
for i, key in ipairs(KEYS) do
  local current = tonumber(redis.call('GET', key) or '0')
  if current < tonumber(ARGV[1]) then
    redis.call('SET', key, ARGV[1], 'PX', ARGV[2])
  end
end
return 1`;

// Releases a lock only when we still own it; an expired-and-retaken lock belongs to someone else.
const RELEASE_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

interface WireEntry {
  v: unknown;
  c: number;
  f: number;
  s: number;
  e: number;
  t: string[];
  z: number;
}

function isWireEntry(value: unknown): value is WireEntry {
  const w = value as WireEntry;
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof w.c === 'number' &&
    typeof w.f === 'number' &&
    typeof w.s === 'number' &&
    typeof w.e === 'number' &&
    Array.isArray(w.t)
  );
}

/**
 * A store in Redis, shared by every instance. Alone it is an L2 without an L1: every read is a
 * round trip. Usually it goes under a {@link createTieredCacheStore}. It never closes the client you pass.
 */
export function createRedisCacheStore(options: RedisCacheStoreOptions): CacheStore {
  const { client } = options;
  const name = options.name ?? 'redis';
  const prefix = options.prefix ?? 'mcpkit:cache:';
  const serializer = options.serializer ?? jsonSerializer;
  const timeoutMs = options.timeoutMs ?? 500;
  const tagRetentionMs = options.tagRetentionMs ?? 24 * 60 * 60 * 1000;
  const entryKey = (key: string) => `${prefix}e:${key}`;
  const tagKey = (tag: string) => `${prefix}t:${tag}`;
  const lockKey = (key: string) => `${prefix}l:${key}`;
  const run = <T>(operation: string, command: () => Promise<T>) =>
    withTimeout(command(), timeoutMs, operation);
  requireRedisClient(client, 'The Redis cache store');

  return {
    name,
    async get(key): Promise<StoredEntry | undefined> {
      const bytes = await run('get', () => client.getBuffer(entryKey(key)));
      if (bytes === null) return undefined;
      let wire: unknown;
      try {
        wire = serializer.decode(bytes);
      } catch {
        // An entry written by an incompatible serializer is a miss, not a failure.
        return undefined;
      }
      if (!isWireEntry(wire)) return undefined;
      const entry: CacheEntry = {
        value: wire.v,
        createdAt: wire.c,
        freshUntil: wire.f,
        staleUntil: wire.s,
        expiresAt: wire.e,
        tags: wire.t,
        size: wire.z,
      };
      let invalidated = false;
      if (entry.tags.length > 0) {
        const times = await run('get tags', () => client.mget(...entry.tags.map(tagKey)));
        invalidated = times.some((at) => at !== null && Number(at) >= entry.createdAt);
      }
      return { entry, layer: 'l2', invalidated };
    },
    async set(key, entry) {
      const ttl = Math.ceil(entry.expiresAt - Date.now());
      if (ttl <= 0) return;
      const wire: WireEntry = {
        v: entry.value,
        c: entry.createdAt,
        f: entry.freshUntil,
        s: entry.staleUntil,
        e: entry.expiresAt,
        t: [...entry.tags],
        z: entry.size,
      };
      const bytes = serializer.encode(wire);
      await run('set', () => client.set(entryKey(key), bytes, 'PX', ttl));
    },
    async delete(keys) {
      if (keys.length === 0) return;
      await run('delete', () => client.del(...keys.map(entryKey)));
    },
    async invalidateTags(tags, at) {
      if (tags.length === 0) return;
      await run('invalidate tags', () =>
        client.eval(RAISE_TAGS, tags.length, ...tags.map(tagKey), String(at), String(tagRetentionMs)),
      );
    },
    async clear() {
      // Nothing in process; clearing shared keys by pattern is an operator's decision, not the cache's.
    },
    async lock(key, ttlMs) {
      const token = `${process.pid}:${Math.random().toString(36).slice(2)}`;
      const taken = await run('lock', () => client.set(lockKey(key), token, 'PX', ttlMs, 'NX'));
      if (taken !== 'OK') return undefined;
      return async () => {
        await run('unlock', () => client.eval(RELEASE_LOCK, 1, lockKey(key), token));
      };
    },
    async check() {
      const started = performance.now();
      try {
        await run('ping', () => client.ping());
        return { healthy: true, details: { latencyMs: Math.round(performance.now() - started) } };
      } catch (error) {
        return { healthy: false, details: { error: error instanceof Error ? error.message : String(error) } };
      }
    },
    subscribe() {
      return () => {};
    },
    async close() {},
  };
}
