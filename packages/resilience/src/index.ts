export type {
  Breaker,
  BreakerOptions,
  BreakerState,
  ConsecutiveBreakerOptions,
  FailureVerdict,
  SamplingBreakerOptions,
} from './breaker-policy.js';
export { createBreaker } from './breaker-policy.js';
export type { Upstream } from './create-upstream.js';
export { createUpstream } from './create-upstream.js';
export type { ExposeErrorBody, FailureKind, FailureScope, MappingOptions } from './error-mapping.js';
export { toUpstreamError, UpstreamFailure } from './error-mapping.js';
export type {
  ClientCredentialsOptions,
  RefreshTokenOptions,
} from './oauth2-token-provider.js';
export { createClientCredentialsProvider, createRefreshTokenProvider } from './oauth2-token-provider.js';
export type { ResilientMiddleware, ResilientOptions, ResilientRetryOptions } from './resilient.js';
export { resilient } from './resilient.js';
export { parseRetryAfter } from './retry-after.js';
export type { RetryBudget, RetryBudgetOptions } from './retry-budget.js';
export { createRetryBudget } from './retry-budget.js';
export type { RetryPolicySettings } from './retry-policy.js';
export { createRetryPolicy } from './retry-policy.js';
export { traceparentOf } from './trace-context.js';
export type { Secret, TokenProvider, UpstreamAuth } from './upstream-auth.js';
export { authHeader } from './upstream-auth.js';
export type { UpstreamFallback, UpstreamFallbackCall } from './upstream-fallback.js';
export type {
  IdempotencyOptions,
  UpstreamCallOptions,
  UpstreamMethod,
  UpstreamOptions,
  UpstreamResponse,
  UpstreamRetryOptions,
} from './upstream-options.js';
export type { UpstreamRateLimiter, UpstreamRateLimitOptions } from './upstream-rate-limiter.js';
export { createUpstreamRateLimiter } from './upstream-rate-limiter.js';

import './telemetry-events.js';
