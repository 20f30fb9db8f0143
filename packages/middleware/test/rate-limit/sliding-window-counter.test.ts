import { describe, expect, it } from 'vitest';
import type { RateLimitDecision, RateLimitRule } from '../../src/index.js';
import {
  consumeWindowCounter,
  newWindowCounter,
  type WindowCounter,
} from '../../src/rate-limit/sliding-window-counter.js';

const W = 60_000;
const rule: RateLimitRule = { limit: 10, windowMs: W, algorithm: 'sliding-window' };

/** A counter driven by an injected clock: `at(t)` takes one unit at time `t`. */
function limiter(first: number, r: RateLimitRule = rule) {
  const counter = newWindowCounter(first);
  return {
    counter,
    at: (t: number): RateLimitDecision => consumeWindowCounter(counter, r, t),
    /** How many of `n` requests at the same instant `t` are admitted. */
    burst: (t: number, n: number): number => {
      let admitted = 0;
      for (let i = 0; i < n; i++) if (consumeWindowCounter(counter, r, t).allowed) admitted++;
      return admitted;
    },
  };
}

/** Would a request at `t` be admitted? Asked of a copy, so the real counter is untouched. */
const wouldAdmit = (counter: WindowCounter, t: number, r: RateLimitRule = rule): boolean =>
  consumeWindowCounter({ ...counter }, r, t).allowed;

describe('consumeWindowCounter', () => {
  it('admits exactly `limit` at the start of a fresh window, counting remaining down to 0', () => {
    const l = limiter(0);
    const verdicts = Array.from({ length: 11 }, () => l.at(0));
    expect(verdicts.map((v) => v.remaining)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 0]);
    expect(verdicts.filter((v) => v.allowed)).toHaveLength(10);
    // Full window: the next slot opens once the count, now the previous window, has lost one tenth.
    expect(verdicts[10]).toMatchObject({ allowed: false, retryAfterMs: W + W / 10, resetMs: 2 * W });
    expect(verdicts[9]).toMatchObject({ allowed: true, retryAfterMs: 0, resetMs: 2 * W });
  });

  it('weights the previous window by its remaining overlap in the middle of a window', () => {
    const l = limiter(0);
    expect(l.burst(0, 10)).toBe(10);
    // Half-way through the next window, the previous 10 count as 5: room for 5 more.
    const first = l.at(W + W / 2);
    expect(first).toMatchObject({ allowed: true, remaining: 4, resetMs: 2 * W - W / 2 });
    expect(l.burst(W + W / 2, 10)).toBe(4);
    const refused = l.at(W + W / 2);
    // 10 × (W − e)/W + 5 + 1 ≤ 10 once e ≥ 36 s: 6 s from now.
    expect(refused).toMatchObject({ allowed: false, remaining: 0, retryAfterMs: 6_000 });
  });

  it('admits nothing extra exactly at the boundary, then opens the new window gradually', () => {
    const l = limiter(0);
    l.at(0);
    // Nine more at the very end of the first window: the worst case for a boundary burst.
    expect(l.burst(W - 1, 12)).toBe(9);
    expect(l.burst(W, 5)).toBe(0);
    expect(l.at(W)).toMatchObject({ allowed: false, retryAfterMs: W / 10 });
    expect(l.burst(W + W / 10, 5)).toBe(1);
    expect(l.burst(W + W / 2, 10)).toBe(4);
    // Never more than `limit` inside one fixed window: with the previous 10 still weighing 1/60 000,
    // the new window closes at 9.
    expect(l.burst(2 * W - 1, 20)).toBe(4);
    expect(l.counter.current).toBe(9);
  });

  it('gives the full allowance back after two idle windows, and almost all of it one ms earlier', () => {
    const early = limiter(0);
    early.burst(0, 10);
    expect(early.burst(2 * W - 1, 20)).toBe(9);
    const idle = limiter(0);
    idle.burst(0, 10);
    expect(idle.at(2 * W)).toMatchObject({ allowed: true, remaining: 9, resetMs: 2 * W });
    expect(idle.burst(2 * W, 20)).toBe(9);
    const longIdle = limiter(0);
    longIdle.burst(0, 10);
    expect(longIdle.burst(365 * 24 * 3_600_000, 20)).toBe(10);
  });

  it('reports resetMs as the time until the estimate is back to zero', () => {
    const l = limiter(0);
    expect(l.at(10_000).resetMs).toBe(2 * W - 10_000);
    // In the next window only the weighted previous count is left until the new one counts too.
    const probe = { ...l.counter };
    const refusedLater = consumeWindowCounter(probe, { ...rule, limit: 1 }, W + 5_000);
    expect(refusedLater).toMatchObject({ allowed: false, resetMs: W - 5_000 });
  });

  it('sets retryAfterMs so that exactly one more request passes when it elapses, never 0 or less', () => {
    // A deterministic random walk over many shapes of traffic, checking every refusal.
    for (const r of [
      { limit: 1, windowMs: 1_000, algorithm: 'sliding-window' as const },
      { limit: 7, windowMs: 1_000, algorithm: 'sliding-window' as const },
      { limit: 50, windowMs: 60_000, algorithm: 'sliding-window' as const },
    ]) {
      let seed = 42;
      const random = () => {
        seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
        return seed / 2 ** 31;
      };
      const counter = newWindowCounter(0);
      let t = 0;
      let refusals = 0;
      for (let step = 0; step < 3_000; step++) {
        // Mostly bursts, sometimes gaps: on average about 1.3 × limit per window.
        t += Math.floor(random() ** 3 * ((3 * r.windowMs) / r.limit));
        const verdict = consumeWindowCounter(counter, r, t);
        expect(counter.current).toBeLessThanOrEqual(r.limit);
        if (verdict.allowed) continue;
        refusals++;
        const wait = verdict.retryAfterMs;
        expect(wait).toBeGreaterThanOrEqual(1);
        expect(Number.isInteger(wait)).toBe(true);
        expect(wouldAdmit(counter, t + wait - 1, r)).toBe(false);
        const after = { ...counter };
        expect(consumeWindowCounter(after, r, t + wait).allowed).toBe(true);
        expect(consumeWindowCounter(after, r, t + wait).allowed).toBe(false);
      }
      expect(refusals).toBeGreaterThan(300);
    }
  });

  it('treats a clock that steps back as standing at the window start', () => {
    const l = limiter(1_000);
    expect(l.burst(1_000, 10)).toBe(10);
    const refused = l.at(500);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterMs).toBeGreaterThan(0);
  });
});
