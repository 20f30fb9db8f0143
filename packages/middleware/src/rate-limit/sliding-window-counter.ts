import type { RateLimitDecision, RateLimitRule } from './rate-limit-store.js';

/**
 * The whole state of one sliding-window key: two fixed-window counters, whatever the limit.
 * Windows are contiguous and anchored at the key's first request (not at the epoch), so keys do
 * not all roll over at the same instant.
 */
export interface WindowCounter {
  /** Start of the current fixed window, in clock ms. */
  start: number;
  /** Requests admitted in the window before `start`. */
  previous: number;
  /** Requests admitted since `start`. */
  current: number;
}

/** A counter for a key that has none yet. */
export function newWindowCounter(t: number): WindowCounter {
  return { start: t, previous: 0, current: 0 };
}

/**
 * Takes one unit from `counter` at time `t` (mutating it) and returns the verdict. The estimate
 * of requests in the sliding window ending at `t` is `previous × (share of the previous window
 * still inside the sliding window) + current`; a request is admitted when the estimate counting
 * it stays within `limit`. The Redis store's Lua script mirrors this function.
 */
export function consumeWindowCounter(
  counter: WindowCounter,
  rule: RateLimitRule,
  t: number,
): RateLimitDecision {
  const { limit, windowMs: w } = rule;
  roll(counter, w, t);
  // A clock that steps back is treated as standing at the window start rather than weighting past 1.
  const elapsed = Math.min(w, Math.max(0, t - counter.start));
  // Everything is multiplied by the window, so integer clocks decide exactly at the boundaries.
  const weighted = counter.previous * (w - elapsed);
  const allowed = weighted + (counter.current + 1) * w <= limit * w;
  if (allowed) counter.current += 1;
  return {
    allowed,
    limit,
    remaining: allowed ? Math.max(0, Math.floor((limit * w - weighted) / w) - counter.current) : 0,
    resetMs: counter.current > 0 ? 2 * w - elapsed : counter.previous > 0 ? w - elapsed : 0,
    retryAfterMs: allowed ? 0 : Math.max(1, Math.ceil(admitAt(counter, limit, w) - elapsed)),
  };
}

/** Moves `counter` to the window holding `t`: one step shifts current into previous, two or more start afresh. */
function roll(counter: WindowCounter, w: number, t: number): void {
  if (t - counter.start >= 2 * w) {
    counter.start = t;
    counter.previous = 0;
    counter.current = 0;
  } else if (t - counter.start >= w) {
    counter.start += w;
    counter.previous = counter.current;
    counter.current = 0;
  }
}

/**
 * The earliest offset from `counter.start` at which one more request fits, assuming nothing else
 * is admitted meanwhile. Within this window the previous count's weight falls linearly; when that
 * cannot make room, the answer lies in the next window, where `current` becomes the weighted count.
 */
function admitAt(counter: WindowCounter, limit: number, w: number): number {
  const { previous, current } = counter;
  if (current + 1 <= limit && previous > 0) {
    // previous × (w − e) ≤ (limit − current − 1) × w, solved for the smallest whole-ms e.
    const at = Math.ceil(w - ((limit - current - 1) * w) / previous);
    if (at < w) return at;
  }
  const inNext = current + 1 <= limit ? 0 : Math.ceil(((current + 1 - limit) * w) / current);
  return w + inNext;
}
