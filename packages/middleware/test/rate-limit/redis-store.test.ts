import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisRateLimitStore, type RedisScriptClient } from '../../src/index.js';
import { connectRedis, deadPort, deleteKeys, testPrefix, unreachableRedis } from '../fixtures/redis.js';

let redis: Redis;
const prefix = testPrefix('redis-store');

beforeAll(async () => {
  redis = await connectRedis();
});
afterAll(async () => {
  await deleteKeys(redis, prefix);
  await redis.quit();
});

/** Redis's own clock in ms (the store's scripts are timed by it, not by this process). */
async function redisNow(): Promise<number> {
  const [seconds, micros] = await redis.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

/** Writes a sliding-window key's state directly, to put it at a chosen point of its window. */
async function seed(key: string, state: { start: number; previous: number; current: number }) {
  const full = `${prefix}sliding-window:${key}`;
  await redis.hset(full, state);
  await redis.pexpire(full, 120_000);
}

describe('createRedisRateLimitStore', () => {
  it('admits exactly `limit` concurrent requests with the sliding window (atomic script)', async () => {
    const store = createRedisRateLimitStore({ client: redis, prefix });
    const rule = { limit: 25, windowMs: 60_000, algorithm: 'sliding-window' as const };
    const verdicts = await Promise.all(Array.from({ length: 60 }, () => store.consume('burst', rule)));
    expect(verdicts.filter((v) => v.allowed)).toHaveLength(25);
    // The window began with this burst and is full: the next slot opens 1/25 of a window into
    // the next one (62.4 s after the window began, less the few ms the burst took).
    const refused = verdicts.find((v) => !v.allowed);
    expect(refused?.retryAfterMs).toBeGreaterThan(61_400);
    expect(refused?.retryAfterMs).toBeLessThanOrEqual(62_400);
    // Kept for two windows: the count still weighs on the next window.
    const ttl = await redis.pttl(`${prefix}sliding-window:burst`);
    expect(ttl).toBeGreaterThan(119_000);
    expect(ttl).toBeLessThanOrEqual(120_000);
  });

  it('weights the previous window by its overlap (state seeded against Redis TIME)', async () => {
    const store = createRedisRateLimitStore({ client: redis, prefix });
    const rule = { limit: 10, windowMs: 60_000, algorithm: 'sliding-window' as const };
    // 10 requests last window, and the current window began 30 s ago: they still count as 5.
    await seed('half', { start: (await redisNow()) - 30_000, previous: 10, current: 0 });
    const verdicts = await Promise.all(Array.from({ length: 8 }, () => store.consume('half', rule)));
    expect(verdicts.filter((v) => v.allowed)).toHaveLength(5);
    expect(Math.max(...verdicts.map((v) => v.remaining))).toBe(4);
    // Room for one more once the weight falls to 4 of 10, at 36 s: about 6 s from now.
    const refused = verdicts.find((v) => !v.allowed);
    expect(refused?.retryAfterMs).toBeGreaterThan(5_000);
    expect(refused?.retryAfterMs).toBeLessThanOrEqual(6_000);

    // A full window that ended just now still counts in full: nothing extra at the boundary.
    await seed('boundary', { start: (await redisNow()) - 60_000, previous: 0, current: 10 });
    expect((await store.consume('boundary', rule)).allowed).toBe(false);

    // Two windows of idleness give the full allowance back.
    await seed('idle', { start: (await redisNow()) - 120_000, previous: 10, current: 10 });
    const fresh = await Promise.all(Array.from({ length: 12 }, () => store.consume('idle', rule)));
    expect(fresh.filter((v) => v.allowed)).toHaveLength(10);
  });

  it('keeps one small hash per key, whatever the number of requests (O(1) memory)', async () => {
    const store = createRedisRateLimitStore({ client: redis, prefix });
    const rule = { limit: 100_000, windowMs: 60_000, algorithm: 'sliding-window' as const };
    let admitted = 0;
    for (let batch = 0; batch < 20; batch++) {
      const verdicts = await Promise.all(Array.from({ length: 250 }, () => store.consume('many', rule)));
      admitted += verdicts.filter((v) => v.allowed).length;
    }
    const key = `${prefix}sliding-window:many`;
    const bytes = await redis.call('MEMORY', 'USAGE', key);
    console.log(
      `createRedisRateLimitStore sliding window: ${admitted} admitted on one key → ${await redis.type(key)} of ${await redis.hlen(key)} fields, MEMORY USAGE ${bytes} bytes`,
    );
    expect(admitted).toBe(5_000);
    expect(await redis.type(key)).toBe('hash');
    expect(await redis.hlen(key)).toBe(3);
    expect(await redis.hget(key, 'current')).toBe('5000');
  });

  it('admits exactly `limit` concurrent requests with the token bucket', async () => {
    const store = createRedisRateLimitStore({ client: redis, prefix });
    const rule = { limit: 20, windowMs: 3_600_000, algorithm: 'token-bucket' as const };
    const verdicts = await Promise.all(Array.from({ length: 50 }, () => store.consume('bucket', rule)));
    expect(verdicts.filter((v) => v.allowed)).toHaveLength(20);
    expect(verdicts.find((v) => !v.allowed)?.retryAfterMs).toBeGreaterThan(170_000);
  });

  it('falls back to EVAL when Redis answers NOSCRIPT', async () => {
    let evals = 0;
    const client: RedisScriptClient = {
      // A sha Redis has never seen: Redis itself answers NOSCRIPT.
      evalsha: (_sha, numKeys, ...args) => redis.evalsha('0'.repeat(40), numKeys, ...args),
      eval: (script, numKeys, ...args) => {
        evals++;
        return redis.eval(script, numKeys, ...args);
      },
    };
    const store = createRedisRateLimitStore({ client, prefix });
    const verdict = await store.consume('noscript', {
      limit: 1,
      windowMs: 1_000,
      algorithm: 'sliding-window',
    });
    expect(verdict.allowed).toBe(true);
    expect(evals).toBe(1);
  });

  it('rejects promptly when Redis is down', async () => {
    const down = unreachableRedis(await deadPort());
    const store = createRedisRateLimitStore({ client: down, prefix, timeoutMs: 300 });
    const started = Date.now();
    await expect(
      store.consume('x', { limit: 1, windowMs: 1_000, algorithm: 'token-bucket' }),
    ).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1_000);
    down.disconnect();
  });
});
