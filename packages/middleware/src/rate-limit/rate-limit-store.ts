/** The two counting algorithms a store implements. */
export type RateLimitAlgorithm = 'token-bucket' | 'sliding-window';

/** What one key may do: `limit` requests per `windowMs`, counted by `algorithm`. */
export interface RateLimitRule {
  readonly limit: number;
  readonly windowMs: number;
  readonly algorithm: RateLimitAlgorithm;
}

/** A store's verdict on one request. */
export interface RateLimitDecision {
  /** Whether the request may go ahead (its unit has been taken when true). */
  allowed: boolean;
  /** The limit of the rule. */
  limit: number;
  /** Requests left right now after this one. */
  remaining: number;
  /** Milliseconds until the key is back to its full allowance. */
  resetMs: number;
  /** When refused: milliseconds until one more request would be allowed; 0 otherwise. */
  retryAfterMs: number;
}

/**
 * Where counters live. `consume` takes one unit for `key` atomically and returns the verdict;
 * it rejects (or throws) when the store is unreachable (the limiter then applies its `failOpen`
 * policy). A store whose counters are local may answer synchronously (the memory store does), so
 * the limiter adds no promise to the request.
 */
export interface RateLimitStore {
  consume(key: string, rule: RateLimitRule): RateLimitDecision | Promise<RateLimitDecision>;
}
