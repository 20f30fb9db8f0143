// The rate-limit store contract of @mcpkit/testing, run against both stores of this package, and
// against a store that never refills, which must fail it.
import { type RateLimitStoreLike, rateLimitStoreContract, runContractSuite } from '@mcpkit/testing';
import { describeContract } from '@mcpkit/testing/vitest';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryRateLimitStore, createRedisRateLimitStore } from '../../src/index.js';
import { connectRedis, deadPort, deleteKeys, testPrefix, unreachableRedis } from '../fixtures/redis.js';

describeContract(
  rateLimitStoreContract({
    create: (clock) => createMemoryRateLimitStore({ now: clock.now }),
  }),
  'memory rate-limit store: rate-limit store contract',
);

let redis: Redis;
const prefix = testPrefix('contract');
beforeAll(async () => {
  redis = await connectRedis();
});
afterAll(async () => {
  await deleteKeys(redis, prefix);
  redis.disconnect();
});

describeContract(
  rateLimitStoreContract({
    // Redis keeps the time (TIME), so the suite waits for real, with short windows.
    realTime: true,
    create: () => createRedisRateLimitStore({ client: redis, prefix }),
    unreachable: async () => {
      const down = unreachableRedis(await deadPort());
      down.on('error', () => {});
      return createRedisRateLimitStore({ client: down, prefix, timeoutMs: 300 });
    },
  }),
  'redis rate-limit store: rate-limit store contract',
);

/** A store that counts but never gives the allowance back: its windows never end. */
function neverRefills(): RateLimitStoreLike {
  const used = new Map<string, number>();
  return {
    consume(key, rule) {
      const count = (used.get(key) ?? 0) + 1;
      used.set(key, count);
      const allowed = count <= rule.limit;
      return {
        allowed,
        limit: rule.limit,
        remaining: Math.max(0, rule.limit - count),
        resetMs: rule.windowMs,
        retryAfterMs: allowed ? 0 : rule.windowMs,
      };
    },
  };
}

describe('a rate-limit store that ignores its windows', () => {
  it('fails exactly the expiry checks of the contract', async () => {
    const report = await runContractSuite(rateLimitStoreContract({ create: () => neverRefills() }));
    expect(report.failed.map((f) => f.name)).toEqual([
      'token-bucket: gives the full allowance back once the window has passed (expiry)',
      'sliding-window: gives the full allowance back once the window has passed (expiry)',
    ]);
    expect(String(report.failed[0]?.error)).toMatch(/a request after two windows should be allowed/);
    expect(report.passed).toHaveLength(6);
  });
});
