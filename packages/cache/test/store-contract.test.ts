// The cache store contract of @mcpkit/testing, run against every store of this package, and
// against a store that ignores expiresAt, which must fail it.
import { type CacheStoreLike, cacheStoreContract, runContractSuite } from '@mcpkit/testing';
import { describeContract } from '@mcpkit/testing/vitest';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryCacheStore, createRedisCacheStore, createTieredCacheStore } from '../src/index.js';
import { connectRedis, deadRedis, deleteKeys, testPrefix } from './support/redis.js';

describeContract(
  cacheStoreContract({ create: () => createMemoryCacheStore() }),
  'memory cache store: cache store contract',
);

let redis: Redis;
const prefix = testPrefix('contract');
const dead: Redis[] = [];
beforeAll(async () => {
  redis = await connectRedis();
});
afterAll(async () => {
  await deleteKeys(redis, prefix);
  redis.disconnect();
  for (const client of dead) client.disconnect();
});

/** A client of a Redis that is not there (port 1: nothing listens, connecting fails at once). */
function downClient(): Redis {
  const client = deadRedis(1);
  dead.push(client);
  return client;
}

describeContract(
  cacheStoreContract({
    create: () => createRedisCacheStore({ client: redis, prefix }),
    unreachable: () => createRedisCacheStore({ client: downClient(), prefix, timeoutMs: 300 }),
  }),
  'redis cache store: cache store contract',
);

describeContract(
  cacheStoreContract({
    create: () =>
      createTieredCacheStore(createMemoryCacheStore(), createRedisCacheStore({ client: redis, prefix })),
  }),
  'tiered cache store (memory over redis): cache store contract',
);

/** A memory store that keeps entries forever, whatever their expiresAt. */
function ignoresExpiry(): CacheStoreLike {
  const inner = createMemoryCacheStore();
  const entries = new Map<string, Parameters<CacheStoreLike['set']>[1]>();
  return {
    name: 'forever',
    get: async (key) => {
      const entry = entries.get(key);
      const fresh = await inner.get(key);
      return entry ? { entry, layer: 'l1', invalidated: fresh?.invalidated ?? false } : undefined;
    },
    set: async (key, entry) => {
      entries.set(key, entry);
      await inner.set(key, { ...entry, expiresAt: Date.now() + 3_600_000 });
    },
    delete: async (keys) => {
      for (const key of keys) entries.delete(key);
      await inner.delete(keys);
    },
    invalidateTags: (tags, at) => inner.invalidateTags(tags, at),
    clear: () => inner.clear(),
    check: () => inner.check(),
    subscribe: (listener) => inner.subscribe(listener),
    close: () => inner.close(),
  };
}

describe('a cache store that ignores expiresAt', () => {
  it('fails exactly the expiry check of the contract', async () => {
    const report = await runContractSuite(cacheStoreContract({ create: () => ignoresExpiry() }));
    expect(report.failed.map((f) => f.name)).toEqual([
      'drops an entry once its expiresAt has passed (expiry)',
    ]);
    expect(String(report.failed[0]?.error)).toMatch(/past its expiresAt: expected undefined/);
    expect(report.passed).toHaveLength(6);
  });
});
