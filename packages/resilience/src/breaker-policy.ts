import { systemClock } from '@mcpkit/core';
import {
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
  SamplingBreaker,
} from 'cockatiel';

/** A breaker that opens after this many failures in a row. */
export interface ConsecutiveBreakerOptions {
  kind: 'consecutive';
  /** Failures in a row that open the breaker. Default: 5. */
  failures?: number;
  /** How long the breaker stays open before one trial call may go through. Default: 10 000 ms. */
  halfOpenAfterMs?: number;
}

/** A breaker that opens when the failure rate over a sliding window passes a threshold. */
export interface SamplingBreakerOptions {
  kind?: 'sampling';
  /** Failure rate in (0, 1] that opens the breaker. Default: 0.5. */
  threshold?: number;
  /** Sampling window in milliseconds. Default: 30 000. */
  durationMs?: number;
  /** Minimum requests per second in the window before it may open (quiet periods never trip it). Default: 5. */
  minimumRps?: number;
  /** How long the breaker stays open before one trial call may go through. Default: 10 000 ms. */
  halfOpenAfterMs?: number;
}

/** Circuit-breaker settings: consecutive or sampling (the default). */
export type BreakerOptions = ConsecutiveBreakerOptions | SamplingBreakerOptions;

/** The state of a breaker as health checks and callers see it. */
export type BreakerState = 'closed' | 'open' | 'halfOpen' | 'isolated' | 'disabled';

/**
 * What a failure says about the dependency: `fault` (it is unwell: counts towards opening, fails a
 * trial), `answered` (it answered, the request was wrong: never counts, a trial that ends so
 * closes the breaker) or `no-verdict` (the call ended before the dependency answered — cancelled,
 * out of time outside an attempt: never counts, but a trial that ends so has failed).
 */
export type FailureVerdict = 'fault' | 'answered' | 'no-verdict';

/** A cockatiel circuit breaker plus what it does not track itself: when it opened, and trials without a verdict. */
export interface Breaker {
  readonly policy: CircuitBreakerPolicy;
  readonly state: BreakerState;
  /** Milliseconds until a trial call may go through (0 unless open). */
  retryAfterMs(): number;
  /** Runs `fn` through the breaker; use this rather than `policy.execute` so trials are judged by their verdict. */
  execute<T>(fn: (signal: AbortSignal) => Promise<T>, signal: AbortSignal): Promise<T>;
}

const STATES: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'halfOpen',
  [CircuitState.Isolated]: 'isolated',
};

/**
 * Builds the breaker once per upstream (or per `resilient()` instance); `verdict` reads each
 * failure. A half-open trial that ends without a verdict re-opens the breaker for another
 * `halfOpenAfterMs`: cockatiel would take any failure it does not count as a success and let
 * every waiting caller through to a dependency nobody has heard from.
 */
export function createBreaker(options: BreakerOptions, verdict: (error: Error) => FailureVerdict): Breaker {
  const halfOpenAfter = options.halfOpenAfterMs ?? 10_000;
  const breaker =
    options.kind === 'consecutive'
      ? new ConsecutiveBreaker(options.failures ?? 5)
      : new SamplingBreaker({
          threshold: options.threshold ?? 0.5,
          duration: options.durationMs ?? 30_000,
          minimumRps: options.minimumRps ?? 5,
        });
  // Failures of trials that ended without a verdict, judged once as failures, then forgotten.
  const failedTrials = new WeakSet<Error>();
  const counts = (error: Error) => failedTrials.delete(error) || verdict(error) === 'fault';
  const policy = circuitBreaker(handleWhen(counts), { halfOpenAfter, breaker });
  let openedAt = 0;
  policy.onBreak(() => {
    openedAt = systemClock.now();
  });
  return {
    policy,
    get state() {
      return STATES[policy.state];
    },
    retryAfterMs() {
      if (policy.state !== CircuitState.Open) return 0;
      return Math.max(0, openedAt + halfOpenAfter - systemClock.now());
    },
    execute(fn, signal) {
      return policy.execute(async ({ signal: inner }) => {
        // cockatiel calls the trial's function while still open (it turns half-open right after);
        // every other call runs closed, waiters of a trial included.
        const trial = policy.state !== CircuitState.Closed;
        try {
          return await fn(inner);
        } catch (error) {
          if (trial && error instanceof Error && verdict(error) === 'no-verdict') failedTrials.add(error);
          throw error;
        }
      }, signal);
    },
  };
}
