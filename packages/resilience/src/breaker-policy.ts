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

/** A cockatiel circuit breaker plus what it does not track itself: when it opened. */
export interface Breaker {
  readonly policy: CircuitBreakerPolicy;
  readonly state: BreakerState;
  /** Milliseconds until a trial call may go through (0 unless open). */
  retryAfterMs(): number;
}

const STATES: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'halfOpen',
  [CircuitState.Isolated]: 'isolated',
};

/** Builds the breaker once per upstream (or per `resilient()` instance); `counts` says which failures trip it. */
export function createBreaker(options: BreakerOptions, counts: (error: Error) => boolean): Breaker {
  const halfOpenAfter = options.halfOpenAfterMs ?? 10_000;
  const breaker =
    options.kind === 'consecutive'
      ? new ConsecutiveBreaker(options.failures ?? 5)
      : new SamplingBreaker({
          threshold: options.threshold ?? 0.5,
          duration: options.durationMs ?? 30_000,
          minimumRps: options.minimumRps ?? 5,
        });
  const policy = circuitBreaker(handleWhen(counts), { halfOpenAfter, breaker });
  let openedAt = 0;
  policy.onBreak(() => {
    openedAt = Date.now();
  });
  return {
    policy,
    get state() {
      return STATES[policy.state];
    },
    retryAfterMs() {
      if (policy.state !== CircuitState.Open) return 0;
      return Math.max(0, openedAt + halfOpenAfter - Date.now());
    },
  };
}
