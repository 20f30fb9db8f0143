import { McpkitError, systemClock } from '@mcpkit/core';

/** Options of {@link createUpstreamRateLimiter}. */
export interface UpstreamRateLimitOptions {
  /** Requests per second the provider allows. Required. */
  ratePerSecond: number;
  /** Requests that may go out at once after a quiet period. Default: `ratePerSecond` (one second's worth). */
  burst?: number;
  /** Longest a request may wait for a token before failing with `RATE_LIMITED`. Default: 1 000 ms. */
  maxWaitMs?: number;
}

/** An outbound rate limit: {@link UpstreamRateLimiter.take} waits its turn, or fails fast when the wait is too long. */
export interface UpstreamRateLimiter {
  /**
   * Reserves a token and resolves once it is due, with the milliseconds waited. Throws
   * `RATE_LIMITED` (with `retryAfterMs`) when the wait would exceed `maxWaitMs`, without reserving.
   */
  take(signal?: AbortSignal): Promise<number>;
}

/**
 * Creates an upstream rate limiter: a token bucket for calls going out to one upstream. Tokens may go negative: each waiting request reserves the next token, so
 * waiters are served in order and never all wake at once.
 */
export function createUpstreamRateLimiter(
  options: UpstreamRateLimitOptions,
  now: () => number = systemClock.now,
): UpstreamRateLimiter {
  const rate = options.ratePerSecond / 1_000;
  const burst = options.burst ?? options.ratePerSecond;
  const maxWaitMs = options.maxWaitMs ?? 1_000;
  let tokens = burst;
  let updatedAt = now();

  const refill = () => {
    const at = now();
    tokens = Math.min(burst, tokens + (at - updatedAt) * rate);
    updatedAt = at;
  };

  return {
    async take(signal) {
      refill();
      if (tokens >= 1) {
        tokens -= 1;
        return 0;
      }
      const waitMs = Math.ceil((1 - tokens) / rate);
      if (waitMs > maxWaitMs) {
        throw new McpkitError('RATE_LIMITED', 'Too many calls to this provider right now.', {
          retryAfterMs: waitMs,
          hint: `Wait about ${waitMs} ms before calling again.`,
          details: { reason: 'outbound-rate-limit' },
        });
      }
      tokens -= 1;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(done, waitMs);
        function done() {
          signal?.removeEventListener('abort', aborted);
          resolve();
        }
        function aborted() {
          clearTimeout(timer);
          // The reservation is returned so an abandoned waiter does not slow the others down.
          tokens += 1;
          reject(signal?.reason);
        }
        signal?.addEventListener('abort', aborted, { once: true });
      });
      return waitMs;
    },
  };
}
