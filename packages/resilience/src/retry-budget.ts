import { systemClock } from '@mcpkit/core';
/** Options of {@link createRetryBudget}. */
export interface RetryBudgetOptions {
  /** Retries allowed as a fraction of first attempts in the window. Default: 0.3 (three retries per ten calls). */
  ratio?: number;
  /** Retries always allowed in the window, so a quiet upstream can still be retried. Default: 10. */
  minRetries?: number;
  /** Length of the sliding window in milliseconds. Default: 10 000. */
  windowMs?: number;
}

/** A retry budget: retries stay under a fraction of recent calls, so they cannot multiply load. */
export interface RetryBudget {
  /** Counts a logical call (its first attempt). */
  recordCall(): void;
  /** Spends one retry if the budget allows it; false means "do not retry". */
  tryRetry(): boolean;
}

const BUCKETS = 10;

/**
 * Creates a retry budget over a sliding window of ten buckets: a retry is allowed while the
 * retries in the window stay below `max(minRetries, ratio × calls)`. Under a total outage this
 * caps upstream requests at about `1 + ratio` per call, however many attempts a call may make.
 */
export function createRetryBudget(
  options: RetryBudgetOptions = {},
  now: () => number = systemClock.now,
): RetryBudget {
  const ratio = options.ratio ?? 0.3;
  const minRetries = options.minRetries ?? 10;
  const bucketMs = Math.max(1, Math.floor((options.windowMs ?? 10_000) / BUCKETS));
  const calls = new Array<number>(BUCKETS).fill(0);
  const retries = new Array<number>(BUCKETS).fill(0);
  let current = Math.floor(now() / bucketMs);

  // Clears the buckets that slid out of the window since the last use.
  const advance = () => {
    const slot = Math.floor(now() / bucketMs);
    const stale = Math.min(BUCKETS, slot - current);
    for (let i = 1; i <= stale; i++) {
      const index = (current + i) % BUCKETS;
      calls[index] = 0;
      retries[index] = 0;
    }
    if (slot > current) current = slot;
    return current % BUCKETS;
  };
  const sum = (list: number[]) => list.reduce((a, b) => a + b, 0);

  return {
    recordCall() {
      const index = advance();
      calls[index] = (calls[index] ?? 0) + 1;
    },
    tryRetry() {
      const index = advance();
      const allowed = Math.max(minRetries, ratio * sum(calls));
      if (sum(retries) + 1 > allowed) return false;
      retries[index] = (retries[index] ?? 0) + 1;
      return true;
    },
  };
}
