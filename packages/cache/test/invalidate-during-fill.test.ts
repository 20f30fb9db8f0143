import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type CacheInstance, delay, startInstance } from './support/instances.js';
import { connectRedis, deleteKeys, testPrefix } from './support/redis.js';

const prefix = testPrefix('fill');
const RUNS = 200;
let direct: Redis;
let a: CacheInstance;
let b: CacheInstance;
// Tags A heard invalidated on the bus.
const heardOnA = new Set<string>();

beforeAll(async () => {
  direct = await connectRedis();
  a = await startInstance(prefix, {
    lockWaitMs: 2_000,
    wrap: (store) => {
      store.subscribe((event) => {
        if (event.type === 'invalidated') for (const tag of event.tags) heardOnA.add(tag);
      });
      return store;
    },
  });
  b = await startInstance(prefix, { lockWaitMs: 2_000 });
});
afterAll(async () => {
  await a.close();
  await b.close();
  await deleteKeys(direct, prefix);
  await direct.quit();
});

describe('an invalidation made while a load is in flight (two instances, one Redis and bus)', () => {
  for (const lock of [false, true]) {
    it(`is seen by every read that starts after it returned, on either instance (lock: ${lock}), ${RUNS} runs`, async () => {
      let version = 0;
      const stale = { a: 0, b: 0, left: 0 };
      const readsOnB: number[] = [];
      let runs = 0;
      for (let run = 0; run < RUNS && stale.a + stale.b + stale.left === 0; run++) {
        runs++;
        const key = `k:${lock}:${run}`;
        const options = { tags: [`t:${lock}:${run}`], lock };
        let first = true;
        let started!: () => void;
        const loading = new Promise<void>((resolve) => {
          started = resolve;
        });
        // Reads the source when it starts, then takes 50 ms (the first load of a run) to answer.
        const loader = async () => {
          const seen = version;
          const slow = first;
          first = false;
          started();
          await delay(slow ? 50 : 5);
          return `v${seen}`;
        };
        const filling = a.cache.getOrSet(key, loader, options);
        await loading;
        version++;
        const expected = `v${version}`;
        // The change is made on the filling instance in even runs, on the other one in odd runs;
        // then the reads start once A has heard of it (the bus window the README describes).
        if (run % 2 === 0) {
          await a.cache.invalidateTags(options.tags);
        } else {
          await b.cache.invalidateTags(options.tags);
          await vi.waitFor(() => expect(heardOnA.has(options.tags[0] ?? '')).toBe(true), { interval: 1 });
        }
        const readAt = performance.now();
        const [onA, onB] = await Promise.all([
          a.cache.getOrSet(key, loader, options),
          b.cache.getOrSet(key, loader, options).finally(() => {
            readsOnB.push(performance.now() - readAt);
          }),
        ]);
        await filling;
        if (onA !== expected) stale.a++;
        if (onB !== expected) stale.b++;
        // Nor may the old value be what the cache keeps afterwards.
        for (const left of [await a.cache.get(key), await b.cache.get(key)]) {
          if (left !== undefined && left !== expected) stale.left++;
        }
      }
      readsOnB.sort((x, y) => x - y);
      const slowestB = readsOnB.at(-1) ?? 0;
      console.log(
        `[acceptance] invalidate during fill (lock: ${lock}): ${runs} runs, stale reads A=${stale.a} B=${stale.b}, stale values left=${stale.left}; read on B median ${readsOnB[readsOnB.length >> 1]?.toFixed(0)} ms, slowest ${slowestB.toFixed(0)} ms (lockWaitMs 2000)`,
      );
      expect(runs).toBe(RUNS);
      expect(stale).toEqual({ a: 0, b: 0, left: 0 });
      // Well under lockWaitMs: B waits for A's voided load to release the lock, then loads itself.
      if (lock) expect(slowestB).toBeLessThan(1_000);
    });
  }
});
