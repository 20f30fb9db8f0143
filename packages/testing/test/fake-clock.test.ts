import { createCache, createMemoryCacheStore } from '@mcpkit/cache';
import { createMemoryTaskStore, McpkitError } from '@mcpkit/core';
import { createMemoryRateLimitStore } from '@mcpkit/middleware';
import { resilient } from '@mcpkit/resilience';
import { mockContext } from '@mcpkit/testing';
import { type FakeClock, useFakeClock } from '@mcpkit/testing/vitest';
import { afterEach, describe, expect, it } from 'vitest';

const HOUR = 3_600_000;
let clock: FakeClock | undefined;
afterEach(() => clock?.restore());

describe('useFakeClock', () => {
  // Real time is not asserted (no timed assertions); MEASURE_CLOCK=1 prints it, and vitest reports the test's duration.
  it('jumps one hour across cache, rate limit, breaker and task expiry at once', async () => {
    // Made before the fake timers are installed: each part reads the clock live, not a `Date.now` it kept.
    const cache = createCache({ store: createMemoryCacheStore(), ttlMs: 30 * 60_000 });
    const limits = createMemoryRateLimitStore();
    const tasks = createMemoryTaskStore();
    const guarded = resilient({
      retry: false,
      breaker: { kind: 'consecutive', failures: 1, halfOpenAfterMs: 30 * 60_000 },
    });
    clock = useFakeClock({ now: Date.UTC(2026, 0, 1) });

    await cache.set('rate', 1.08);
    const rule = { limit: 1, windowMs: 30 * 60_000, algorithm: 'sliding-window' } as const;
    expect((await limits.consume('caller', rule)).allowed).toBe(true);
    expect((await limits.consume('caller', rule)).allowed).toBe(false);
    await tasks.create({ taskId: 't1', owner: 'o', tool: 'report', ttlMs: 45 * 60_000 });
    let upstreamUp = false;
    const call = guarded.wrap(async () => {
      if (!upstreamUp) throw new McpkitError('UPSTREAM_UNAVAILABLE', 'down');
      return 'ok';
    });
    await expect(call({}, mockContext())).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    upstreamUp = true;
    await expect(call({}, mockContext())).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });

    const t0 = process.hrtime.bigint();
    await clock.advance(HOUR);
    if (process.env.MEASURE_CLOCK)
      console.log(`advance(1h): ${Number(process.hrtime.bigint() - t0) / 1e6} ms real`);

    expect(await cache.get('rate')).toBeUndefined();
    expect((await limits.consume('caller', rule)).allowed).toBe(true);
    expect(await tasks.get('t1', 'o')).toBeUndefined();
    expect(await call({}, mockContext())).toBe('ok');
    expect(clock.now()).toBe(Date.UTC(2026, 0, 1) + HOUR);
  });

  it('sleeps and runs timers on the fake time only', async () => {
    clock = useFakeClock({ now: 0 });
    const order: string[] = [];
    const second = 1_000;
    clock.setTimeout(() => order.push('timer'), second);
    const slept = clock.sleep(HOUR).then(() => order.push('slept'));
    await clock.advance(999);
    expect(order).toEqual([]);
    const t0 = process.hrtime.bigint();
    await clock.advance(HOUR);
    if (process.env.MEASURE_CLOCK)
      console.log(`advance(1h): ${Number(process.hrtime.bigint() - t0) / 1e6} ms real`);
    await slept;
    expect(order).toEqual(['timer', 'slept']);
  });

  it('rejects a sleep whose signal aborts', async () => {
    clock = useFakeClock();
    const controller = new AbortController();
    const slept = clock.sleep(HOUR, controller.signal);
    controller.abort(new Error('left'));
    await expect(slept).rejects.toThrow('left');
  });
});
