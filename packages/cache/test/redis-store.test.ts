import { createCache, createRedisCacheStore } from '@mcpkit/cache';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, deadRedis, deleteKeys, testPrefix } from './support/redis.js';

let client: Redis;
const prefix = testPrefix('redis-store');

beforeAll(async () => {
  client = await connectRedis();
});
afterAll(async () => {
  await deleteKeys(client, prefix);
  await client.quit();
});

describe('createRedisCacheStore', () => {
  it('round-trips binary and unicode values byte for byte', async () => {
    const cache = createCache({ store: createRedisCacheStore({ client, prefix }) });
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const value = { bytes, text: 'zß水🚀\u0000', nested: [{ $b: 'not bytes' }], n: 1.5 };
    await cache.set('binary', value);
    const other = createCache({ store: createRedisCacheStore({ client, prefix }) });
    const read = await other.get<typeof value>('binary');
    expect(Buffer.isBuffer(read?.bytes)).toBe(true);
    expect(read?.bytes.equals(bytes)).toBe(true);
    expect(read).toEqual({ ...value, bytes: expect.any(Buffer) });
  });

  it('shares values between caches and voids them by tag for every reader', async () => {
    const a = createCache({ store: createRedisCacheStore({ client, prefix }) });
    const b = createCache({ store: createRedisCacheStore({ client, prefix }) });
    let loads = 0;
    const load = () => a.getOrSet('user:1', () => ({ name: `v${++loads}` }), { tags: ['user:1'] });
    expect(await load()).toEqual({ name: 'v1' });
    expect(await b.getOrSet('user:1', () => ({ name: 'from b' }))).toEqual({ name: 'v1' });
    await b.invalidateTags(['user:1']);
    expect(await a.get('user:1')).toBeUndefined();
    expect(await load()).toEqual({ name: 'v2' });
  });

  it('hands a load lock to one holder at a time and frees it on release', async () => {
    const store = createRedisCacheStore({ client, prefix });
    const release = await store.lock?.('k', 1_000);
    expect(release).toBeTypeOf('function');
    expect(await store.lock?.('k', 1_000)).toBeUndefined();
    await release?.();
    const again = await store.lock?.('k', 1_000);
    expect(again).toBeTypeOf('function');
    await again?.();
  });

  it('runs the loader on one instance while another waits for its result (cross-instance lock)', async () => {
    const a = createCache({ store: createRedisCacheStore({ client, prefix }), lock: true });
    const b = createCache({ store: createRedisCacheStore({ client, prefix }), lock: true });
    let runs = 0;
    const slow = () =>
      new Promise<string>((resolve) => {
        runs++;
        setTimeout(() => resolve(`value ${runs}`), 150);
      });
    const [fromA, fromB] = await Promise.all([a.getOrSet('locked', slow), b.getOrSet('locked', slow)]);
    expect(runs).toBe(1);
    expect(fromB).toBe(fromA);
  });

  it('reports unhealthy, and the cache keeps answering from the loader, when Redis is unreachable', async () => {
    const dead = deadRedis(1);
    const cache = createCache({ store: createRedisCacheStore({ client: dead, prefix }), readiness: 'fail' });
    let runs = 0;
    expect(await cache.getOrSet('k', () => ++runs)).toBe(1);
    expect(await cache.getOrSet('k', () => ++runs)).toBe(2);
    expect(await cache.check()).toMatchObject({ healthy: false, details: { status: 'degraded' } });
    dead.disconnect();
  });
});
