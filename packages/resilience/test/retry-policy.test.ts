import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRetryPolicy } from '../src/retry-policy.js';

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** A seeded stand-in for Math.random (a linear congruential generator): the same draws every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 4_294_967_296;
  };
}

/** The backoff delays of one call that fails every attempt, read from the policy's retry events. */
async function delaysOfOneCall(settings: { baseDelayMs: number; maxDelayMs: number }, retryAfterMs?: number) {
  const policy = createRetryPolicy({ maxAttempts: 5, ...settings, shouldRetry: () => true });
  const delays: number[] = [];
  policy.onRetry((event) => delays.push(event.delay));
  const failing = policy.execute(async () => {
    throw Object.assign(new Error('unavailable'), retryAfterMs === undefined ? {} : { retryAfterMs });
  });
  const settled = failing.catch(() => undefined);
  await vi.runAllTimersAsync();
  await settled;
  return delays;
}

describe('retry backoff', () => {
  it('spreads retries with decorrelated jitter: different per call, growing per attempt, never past maxDelayMs', async () => {
    vi.useFakeTimers();
    vi.spyOn(Math, 'random').mockImplementation(seeded(42));
    const settings = { baseDelayMs: 100, maxDelayMs: 1_000 };
    const calls: number[][] = [];
    for (let i = 0; i < 200; i++) calls.push(await delaysOfOneCall(settings));
    expect(calls.every((delays) => delays.length === 4)).toBe(true);
    const all = calls.flat();
    expect(Math.min(...all)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...all)).toBeLessThanOrEqual(settings.maxDelayMs);
    const median = (values: number[]) =>
      [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
    const byAttempt = [0, 1, 2, 3].map((n) => calls.map((delays) => delays[n] ?? 0));
    // Jitter: callers that failed together do not come back together.
    for (const delays of byAttempt) expect(new Set(delays.map(Math.round)).size).toBeGreaterThan(50);
    const [first, second, third] = byAttempt.map(median);
    expect(first).toBeLessThan(settings.baseDelayMs * 2);
    expect(second).toBeGreaterThan(first ?? 0);
    expect(third).toBeGreaterThan(second ?? 0);
  });

  it('waits exactly the Retry-After of a failure instead of the jittered delay', async () => {
    vi.useFakeTimers();
    expect(await delaysOfOneCall({ baseDelayMs: 100, maxDelayMs: 1_000 }, 2_500)).toEqual([
      2_500, 2_500, 2_500, 2_500,
    ]);
  });
});
