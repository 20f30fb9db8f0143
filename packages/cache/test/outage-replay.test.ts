import { createCache, createRedisCacheStore } from '@mcpkit/cache';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type CacheInstance, delay, startInstance } from './support/instances.js';
import { connectRedis, deleteKeys, FAIL_FAST, REDIS_URL, testPrefix } from './support/redis.js';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js';

const prefix = testPrefix('replay');
const RUNS = 200;
let direct: Redis;
let proxy: TcpProxy;
let a: CacheInstance;
let b: CacheInstance;

beforeAll(async () => {
  direct = await connectRedis();
  const url = new URL(REDIS_URL);
  proxy = await startTcpProxy(url.hostname, Number(url.port || 6379));
  // A reaches Redis through the proxy the test cuts; B directly.
  a = await startInstance(prefix, { url: `redis://127.0.0.1:${proxy.port}`, probeIntervalMs: 50 });
  b = await startInstance(prefix);
});
afterAll(async () => {
  await a.close();
  await b.close();
  await proxy.close();
  await deleteKeys(direct, prefix);
  await direct.quit();
});

describe('an invalidation made while the instance cannot reach Redis', () => {
  it(`reaches the other instance within 1 s of recovery although its instance stays idle, ${RUNS} runs`, async () => {
    const latencies: number[] = [];
    let missed = 0;
    for (let run = 0; run < RUNS && missed === 0; run++) {
      const key = `k:${run}`;
      const options = { tags: [`t:${run}`] };
      let version = 0;
      const loader = () => `v${version}`;
      expect(await b.cache.getOrSet(key, loader, options)).toBe('v0');

      proxy.cut();
      await vi.waitFor(() => expect(a.redis.status).not.toBe('ready'), { timeout: 2_000, interval: 1 });
      version = 1;
      await a.cache.invalidateTags(options.tags);
      proxy.restore();
      const restoredAt = performance.now();
      // From here on nothing calls A: only Redis coming back may trigger the replay.
      let seen = await b.cache.getOrSet(key, loader, options);
      while (seen !== 'v1' && performance.now() - restoredAt < 1_000) {
        await delay(5);
        seen = await b.cache.getOrSet(key, loader, options);
      }
      if (seen === 'v1') latencies.push(performance.now() - restoredAt);
      else missed++;
    }
    latencies.sort((x, y) => x - y);
    console.log(
      `[acceptance] invalidation during a cut of A's connection, A idle: ${latencies.length} runs seen on B within 1 s of recovery, ${missed} missed; median ${latencies[latencies.length >> 1]?.toFixed(0)} ms, max ${latencies.at(-1)?.toFixed(0)} ms`,
    );
    expect(missed).toBe(0);
    expect(latencies).toHaveLength(RUNS);
  });

  it('is replayed by a cache on a bare createRedisCacheStore too, in the background, once Redis takes it', async () => {
    const BARE_RUNS = 20;
    const proxied = await connectRedis(`redis://127.0.0.1:${proxy.port}`, FAIL_FAST);
    const bare = `${prefix}bare:`;
    const onA = createCache({
      store: createRedisCacheStore({ client: proxied, prefix: bare }),
      replayIntervalMs: 50,
    });
    const onB = createCache({ store: createRedisCacheStore({ client: direct, prefix: bare }) });
    const latencies: number[] = [];
    try {
      for (let run = 0; run < BARE_RUNS && latencies.length === run; run++) {
        const key = `k:${run}`;
        const options = { tags: [`t:${run}`] };
        let version = 0;
        const loader = () => `v${version}`;
        expect(await onB.getOrSet(key, loader, options)).toBe('v0');
        proxy.cut();
        await vi.waitFor(() => expect(proxied.status).not.toBe('ready'), { timeout: 2_000, interval: 1 });
        version = 1;
        await onA.invalidateTags(options.tags);
        expect(await onA.check()).toMatchObject({ details: { status: 'degraded', unreplayed: 1 } });
        proxy.restore();
        const restoredAt = performance.now();
        let seen = await onB.getOrSet(key, loader, options);
        while (seen !== 'v1' && performance.now() - restoredAt < 1_000) {
          await delay(5);
          seen = await onB.getOrSet(key, loader, options);
        }
        if (seen === 'v1') latencies.push(performance.now() - restoredAt);
      }
    } finally {
      await onA.close();
      proxied.disconnect();
    }
    console.log(
      `[acceptance] bare createRedisCacheStore, invalidation during a cut, A idle: ${latencies.length}/${BARE_RUNS} runs seen on B within 1 s of recovery, max ${Math.max(...latencies).toFixed(0)} ms`,
    );
    expect(latencies).toHaveLength(BARE_RUNS);
  });
});
