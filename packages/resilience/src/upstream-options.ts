import type { BaseContext, Logger, StandardSchemaV1, Telemetry } from '@mcpkit/core';
import type { BreakerOptions } from './breaker-policy.js';
import type { ExposeErrorBody } from './error-mapping.js';
import type { RetryBudgetOptions } from './retry-budget.js';
import type { UpstreamAuth } from './upstream-auth.js';
import type { UpstreamFallback } from './upstream-fallback.js';
import type { UpstreamRateLimitOptions } from './upstream-rate-limiter.js';

/** Retry settings of an upstream. */
export interface UpstreamRetryOptions {
  /** Attempts per call, the first included. Default: 4. */
  maxAttempts?: number;
  /** Base delay of the exponential backoff with decorrelated jitter. Default: 100 ms. */
  baseDelayMs?: number;
  /** Longest backoff delay. Default: 1 000 ms. */
  maxDelayMs?: number;
  /** HTTP statuses worth another attempt. Default: 408, 425, 429, 500, 502, 503, 504. */
  statuses?: readonly number[];
  /** Retry connection failures (refused, reset, DNS). Default: true. */
  networkErrors?: boolean;
  /** Retry attempts that hit the per-attempt deadline. Default: true. */
  timeouts?: boolean;
  /** Longest `Retry-After` honoured by waiting; a longer one fails the call at once with its `retryAfterMs`. Default: 30 000 ms. */
  maxRetryAfterMs?: number;
  /** Retry budget shared by all calls of the upstream, or `false` for none. Default: ratio 0.3, 10 retries minimum per 10 s. */
  budget?: RetryBudgetOptions | false;
}

/** Idempotency-key handling for non-idempotent methods (POST, PATCH). */
export interface IdempotencyOptions {
  /** Header carrying the key. Default: `Idempotency-Key`. */
  header?: string;
  /** Generate a key for every POST/PATCH that has none (reused across its attempts), making them retryable. Default: false. */
  generate?: boolean;
}

/** Options of `createUpstream(name, options)`. */
export interface UpstreamOptions {
  /** Prefix of every request path, e.g. `https://api.example.com/v1`. Default: none (paths are full URLs). */
  baseUrl?: string;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
  /** Authentication: bearer, basic, custom header, or an OAuth2 token provider. Default: none. */
  auth?: UpstreamAuth;
  /** Deadline of one attempt, response body included; raise it for endpoints that are slow by nature. Default: 1 500 ms. */
  attemptTimeoutMs?: number;
  /** Deadline of a whole call, retries and waits included. Default: 30 000 ms. */
  deadlineMs?: number;
  /** Retry settings, or `false` to never retry. Default: see {@link UpstreamRetryOptions}. */
  retry?: UpstreamRetryOptions | false;
  /** Circuit breaker, or `false` for none. Default: sampling breaker (50 % failures over 30 s, ≥ 5 rps), half-open after 10 s. */
  breaker?: BreakerOptions | false;
  /** Concurrency limit: `maxConcurrent` calls in flight, `maxQueue` waiting (default 0), the rest rejected. Default: none. */
  bulkhead?: { maxConcurrent: number; maxQueue?: number } | false;
  /** Outbound rate limit toward this upstream (a token bucket; inbound limits are `rateLimit` in `@mcpkit/middleware`). Default: none. */
  upstreamRateLimit?: UpstreamRateLimitOptions | false;
  /** Idempotency keys for POST/PATCH. Default: header `Idempotency-Key`, no generation. */
  idempotency?: IdempotencyOptions;
  /** Largest response body accepted, in bytes. Default: 10 MiB. */
  maxResponseBytes?: number;
  /** Upstream error bodies the client may see (statuses, or a function picking safe fields). Default: none. */
  exposeErrorBody?: ExposeErrorBody;
  /** Answers a failed call with data instead of its error (return `undefined` to let the error through). Default: none. */
  fallback?: UpstreamFallback;
  /** Register the `upstream:<name>` readiness check when installed with `.use()`. Default: true. */
  healthCheck?: boolean;
  /** The `fetch` to use (e.g. one bound to an undici Agent for a custom pool). Default: the global `fetch`, which keeps connections alive. */
  fetch?: typeof fetch;
  /** Telemetry for calls made without a context. Default: the server's, once installed with `.use()`. */
  telemetry?: Telemetry;
  /** Logger for calls made without a context. Default: the server's, once installed with `.use()`. */
  logger?: Logger;
}

/** Per-call options of an {@link Upstream} method. */
export interface UpstreamCallOptions {
  /** The MCP request context: its signal aborts the call; request id, traceparent, telemetry and logger flow from it. */
  ctx?: BaseContext;
  /** Another signal that aborts the call. */
  signal?: AbortSignal;
  /** Headers for this call (merged over the defaults). */
  headers?: Record<string, string>;
  /** Query parameters. */
  searchParams?: Record<string, string | number | boolean> | URLSearchParams;
  /** A JSON body (sets `content-type: application/json`). */
  json?: unknown;
  /** A raw body. */
  body?: BodyInit;
  /** Idempotency key for this call, or `true` to generate one; makes POST/PATCH retryable. */
  idempotencyKey?: string | true;
  /** Validates the response body (zod or any Standard Schema); a mismatch fails with `UPSTREAM_ERROR`. */
  schema?: StandardSchemaV1;
  /** Overrides the upstream's per-attempt deadline. */
  attemptTimeoutMs?: number;
  /** Overrides the upstream's whole-call deadline. */
  deadlineMs?: number;
  /** `false` disables retries for this call. Default: true. */
  retry?: boolean;
  /** Overrides the upstream's fallback for this call; `false` for none. Default: the upstream's. */
  fallback?: UpstreamFallback | false;
}

/** A full upstream response, from {@link Upstream.request}. */
export interface UpstreamResponse<T = unknown> {
  status: number;
  headers: Headers;
  /** Parsed JSON when the response says it is JSON, text otherwise, undefined when empty. */
  data: T;
  /** True when the fallback answered instead of the provider (`status` is then 0, `headers` empty). */
  fallback?: boolean;
}

/** A call shortcut: typed by the schema when one is given. */
export interface UpstreamMethod {
  <S extends StandardSchemaV1>(
    path: string,
    options: UpstreamCallOptions & { schema: S },
  ): Promise<StandardSchemaV1.InferOutput<S>>;
  <T = unknown>(path: string, options?: UpstreamCallOptions): Promise<T>;
}
