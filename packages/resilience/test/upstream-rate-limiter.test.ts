import { createUpstreamRateLimiter } from '@mcpkit/resilience';
import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.useRealTimers();
});

describe('createUpstreamRateLimiter', () => {
  it('spends the burst at once, then spaces requests at the rate, in order', async () => {
    vi.useFakeTimers();
    const bucket = createUpstreamRateLimiter({ ratePerSecond: 10, burst: 2, maxWaitMs: 1_000 });
    expect(await bucket.take()).toBe(0);
    expect(await bucket.take()).toBe(0);
    const done: number[] = [];
    const third = bucket.take().then((w) => done.push(w));
    const fourth = bucket.take().then((w) => done.push(w));
    await vi.advanceTimersByTimeAsync(99);
    expect(done).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(done).toEqual([100]);
    await vi.advanceTimersByTimeAsync(100);
    await Promise.all([third, fourth]);
    expect(done).toEqual([100, 200]);
  });

  it('fails fast with RATE_LIMITED and retryAfterMs when the wait exceeds the bound', async () => {
    const bucket = createUpstreamRateLimiter({ ratePerSecond: 1, burst: 1, maxWaitMs: 100 }, () => 0);
    await bucket.take();
    await expect(bucket.take()).rejects.toMatchObject({
      code: 'RATE_LIMITED',
      retryable: true,
      retryAfterMs: 1_000,
    });
  });

  it('returns the reservation of a waiter whose signal aborts', async () => {
    vi.useFakeTimers();
    const bucket = createUpstreamRateLimiter({ ratePerSecond: 10, burst: 1, maxWaitMs: 1_000 });
    await bucket.take();
    const controller = new AbortController();
    const abandoned = bucket.take(controller.signal);
    controller.abort(new Error('gone'));
    await expect(abandoned).rejects.toThrow('gone');
    const next = bucket.take();
    await vi.advanceTimersByTimeAsync(100);
    expect(await next).toBe(100);
  });
});
