import { randomUUID } from 'node:crypto';
import {
  type HealthCheckResult,
  isMcpkitError,
  type Logger,
  type Plugin,
  type ServerBuilder,
  type Telemetry,
} from '@mcpkit/core';
import { redactingLogger } from '@mcpkit/core/internal';
import {
  BrokenCircuitError,
  type BulkheadPolicy,
  bulkhead as cockatielBulkhead,
  TimeoutStrategy,
  timeout,
} from 'cockatiel';
import ky from 'ky';
import { type Breaker, type BreakerState, createBreaker, type FailureVerdict } from './breaker-policy.js';
import { type FailureScope, toUpstreamError, UpstreamFailure } from './error-mapping.js';
import { createRetryBudget, type RetryBudget } from './retry-budget.js';
import { createRetryPolicy } from './retry-policy.js';
import { type AttemptEnvironment, type CallState, classifyInterruption, runAttempt } from './run-attempt.js';
import { traceparentOf } from './trace-context.js';
import { logUpstreamFailure } from './upstream-failure-log.js';
import type {
  UpstreamCallOptions,
  UpstreamMethod,
  UpstreamOptions,
  UpstreamResponse,
  UpstreamRetryOptions,
} from './upstream-options.js';
import { createUpstreamRateLimiter } from './upstream-rate-limiter.js';
import { validateResponse } from './validate-response.js';
import './telemetry-events.js';

/** A named, resilient HTTP client for one provider; also a plugin that registers its readiness check. */
export interface Upstream extends Plugin {
  /** The upstream's name, as in telemetry, logs, errors and the `upstream:<name>` health check. */
  readonly name: string;
  /** The breaker's state (`disabled` when the upstream has none). */
  readonly breakerState: BreakerState;
  /** Sends a request and resolves to the full response (or the fallback's answer, marked `fallback: true`). */
  request<T = unknown>(
    method: string,
    path: string,
    options?: UpstreamCallOptions,
  ): Promise<UpstreamResponse<T>>;
  get: UpstreamMethod;
  post: UpstreamMethod;
  put: UpstreamMethod;
  patch: UpstreamMethod;
  delete: UpstreamMethod;
  /** Registers the readiness check and binds the server's telemetry and logger as defaults. */
  install(builder: ServerBuilder): void;
}

const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);
const DEFAULT_STATUSES = [408, 425, 429, 500, 502, 503, 504] as const;
const noTelemetry: Telemetry = { emit: () => undefined, on: () => () => undefined, has: () => false };

function retrySettings(options: UpstreamRetryOptions | false | undefined) {
  if (options === false) return undefined;
  return {
    maxAttempts: options?.maxAttempts ?? 4,
    baseDelayMs: options?.baseDelayMs ?? 100,
    maxDelayMs: options?.maxDelayMs ?? 1_000,
    statuses: new Set(options?.statuses ?? DEFAULT_STATUSES),
    networkErrors: options?.networkErrors ?? true,
    timeouts: options?.timeouts ?? true,
    maxRetryAfterMs: options?.maxRetryAfterMs ?? 30_000,
    budget: options?.budget,
  };
}

/** What a failure says about the upstream, for the breaker (see {@link FailureVerdict}). */
function verdictOf(error: Error): FailureVerdict {
  // Not an exchange with the upstream (an auth provider's failure, our own rate limit): nothing heard.
  if (!(error instanceof UpstreamFailure)) return 'no-verdict';
  switch (error.kind) {
    case 'network':
    case 'timeout':
      return 'fault';
    case 'cancelled':
    case 'deadline':
      return 'no-verdict';
    case 'http':
      return error.status === 408 || (error.status ?? 0) >= 500 ? 'fault' : 'answered';
    default:
      return 'answered';
  }
}

function describe(error: unknown): string {
  if (!(error instanceof UpstreamFailure)) return 'error';
  return error.kind === 'http' ? `status:${error.status}` : error.kind;
}

/** Rejects when `signal` aborts, so a call never waits on a backoff sleep after its caller left. */
function abortion(signal: AbortSignal, reason: () => unknown): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(reason());
    else signal.addEventListener('abort', () => reject(reason()), { once: true });
  });
}

/**
 * Creates a named upstream client on ky with a per-attempt and overall deadline, retries with
 * decorrelated jitter honouring `Retry-After`, a retry budget, a circuit breaker, an optional
 * bulkhead and outbound rate limit, and failures mapped to mcpkit error codes. Policies are built
 * once here and shared by every call.
 */
export function createUpstream(name: string, options: UpstreamOptions = {}): Upstream {
  const client = ky.create({
    ...(options.baseUrl ? { prefixUrl: options.baseUrl } : {}),
    ...(options.headers ? { headers: options.headers } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    retry: 0,
    timeout: false,
    throwHttpErrors: false,
  });
  const attemptTimeoutMs = options.attemptTimeoutMs ?? 1_500;
  const deadlineMs = options.deadlineMs ?? 30_000;
  const maxResponseBytes = options.maxResponseBytes ?? 10 * 1024 * 1024;
  const idempotencyHeader = (options.idempotency?.header ?? 'Idempotency-Key').toLowerCase();
  const settings = retrySettings(options.retry);
  const budget: RetryBudget | undefined =
    settings && settings.budget !== false ? createRetryBudget(settings.budget) : undefined;
  const breaker: Breaker | undefined =
    options.breaker === false ? undefined : createBreaker(options.breaker ?? {}, verdictOf);
  const bulkhead: BulkheadPolicy | undefined = options.bulkhead
    ? cockatielBulkhead(options.bulkhead.maxConcurrent, options.bulkhead.maxQueue ?? 0)
    : undefined;
  const bucket = options.upstreamRateLimit ? createUpstreamRateLimiter(options.upstreamRateLimit) : undefined;
  const attemptTimeout = timeout(attemptTimeoutMs, TimeoutStrategy.Cooperative);

  let bound: { telemetry: Telemetry; logger: Logger } | undefined;
  // A logger given here (not the server's) gets core's redaction all the same.
  const ownLogger = options.logger === undefined ? undefined : redactingLogger(options.logger);
  let lastTelemetry: Telemetry | undefined;
  const defaultTelemetry = () => bound?.telemetry ?? options.telemetry ?? lastTelemetry ?? noTelemetry;

  // Per-failure bookkeeping for the retry decision: which call and attempt it belongs to.
  const failures = new WeakMap<Error, { call: CallState; attempt: number }>();

  const shouldRetry = (error: Error): boolean => {
    const info = failures.get(error);
    if (!settings || !info || !(error instanceof UpstreamFailure)) return false;
    const { call, attempt } = info;
    if (!call.retryable || attempt + 1 >= settings.maxAttempts || call.signal.aborted) return false;
    const worthIt =
      (error.kind === 'network' && settings.networkErrors) ||
      (error.kind === 'timeout' && settings.timeouts) ||
      (error.kind === 'http' && settings.statuses.has(error.status ?? 0));
    if (!worthIt) return false;
    const wait = error.retryAfterMs;
    if (wait !== undefined && (wait > settings.maxRetryAfterMs || Date.now() + wait >= call.deadlineAt)) {
      return false;
    }
    // Last, so a refused retry never spends budget.
    return budget ? budget.tryRetry() : true;
  };
  const retryPolicy = settings
    ? createRetryPolicy({
        maxAttempts: settings.maxAttempts,
        baseDelayMs: settings.baseDelayMs,
        maxDelayMs: settings.maxDelayMs,
        shouldRetry,
      })
    : undefined;

  retryPolicy?.onRetry((event) => {
    if (!('error' in event)) return;
    const info = failures.get(event.error);
    info?.call.telemetry.emit('upstream.retry', {
      upstream: name,
      attempt: event.attempt + 1,
      delayMs: Math.round(event.delay),
      reason: describe(event.error),
    });
  });
  breaker?.policy.onBreak(() => defaultTelemetry().emit('breaker.open', { name: `upstream:${name}` }));
  breaker?.policy.onHalfOpen(() => defaultTelemetry().emit('breaker.halfOpen', { name: `upstream:${name}` }));
  breaker?.policy.onReset(() => defaultTelemetry().emit('breaker.close', { name: `upstream:${name}` }));

  const env: AttemptEnvironment = {
    name,
    client,
    auth: options.auth,
    bucket,
    attemptTimeoutMs,
    attemptTimeout,
    deadlineMs,
  };
  const attemptOnce = async (
    call: CallState,
    attempt: number,
    request: Parameters<typeof runAttempt>[3],
    callOptions: UpstreamCallOptions,
    parentSignal: AbortSignal,
  ): Promise<UpstreamResponse<unknown>> => {
    try {
      return await runAttempt(env, call, attempt, request, callOptions, parentSignal);
    } catch (error) {
      // runAttempt throws classified failures; the retry decision looks up their call and attempt.
      if (error instanceof UpstreamFailure) failures.set(error, { call, attempt });
      throw error;
    }
  };

  async function request<T>(
    method: string,
    path: string,
    callOptions: UpstreamCallOptions = {},
  ): Promise<UpstreamResponse<T>> {
    const verb = method.toUpperCase();
    const ctx = callOptions.ctx;
    if (ctx) lastTelemetry = ctx.telemetry;
    const telemetry = ctx?.telemetry ?? defaultTelemetry();
    const logger = ctx?.logger ?? bound?.logger ?? ownLogger;
    const scope: FailureScope = { upstream: name, method: verb, path: path.split('?')[0] ?? path };

    const headers: Record<string, string> = { accept: 'application/json' };
    for (const [key, value] of Object.entries(callOptions.headers ?? {})) headers[key.toLowerCase()] = value;
    if (ctx) {
      headers['x-request-id'] ??= ctx.requestId;
      const traceparent = traceparentOf(ctx);
      if (traceparent) headers.traceparent = traceparent;
    }
    const given = callOptions.idempotencyKey;
    if (headers[idempotencyHeader] === undefined) {
      if (typeof given === 'string') headers[idempotencyHeader] = given;
      else if (given === true || (options.idempotency?.generate && !IDEMPOTENT_METHODS.has(verb))) {
        // One key per logical call, reused by every attempt so the provider can deduplicate.
        headers[idempotencyHeader] = randomUUID();
      }
    }
    const retryable =
      retryPolicy !== undefined &&
      callOptions.retry !== false &&
      (IDEMPOTENT_METHODS.has(verb) || headers[idempotencyHeader] !== undefined);

    const callDeadlineMs = callOptions.deadlineMs ?? deadlineMs;
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), callDeadlineMs);
    const sources = [deadline.signal, ctx?.signal, callOptions.signal].filter(
      (s): s is AbortSignal => s !== undefined,
    );
    const signal = sources.length === 1 ? deadline.signal : AbortSignal.any(sources);
    const call: CallState = {
      scope,
      ctx,
      telemetry,
      signal,
      deadlineSignal: deadline.signal,
      deadlineAt: Date.now() + callDeadlineMs,
      retryable,
      attempts: 0,
    };
    const attemptRequest = {
      scope,
      method: verb,
      input: options.baseUrl ? path.replace(/^\/+/, '') : path,
      headers,
      json: callOptions.json,
      body: callOptions.body,
      searchParams: callOptions.searchParams,
      maxResponseBytes,
    };

    const guarded = (attempt: number, s: AbortSignal) => {
      // cockatiel starts the next attempt when a backoff sleep ends, even for a call that ended
      // during it: that attempt must not be sent, counted, or become the breaker's trial.
      if (s.aborted) return Promise.reject(classifyInterruption(call, callDeadlineMs));
      const once = () => attemptOnce(call, attempt, attemptRequest, callOptions, s);
      return breaker ? breaker.execute(once, s) : once();
    };
    const withRetry = (s: AbortSignal) => {
      budget?.recordCall();
      return retryable && retryPolicy
        ? retryPolicy.execute(({ attempt, signal: inner }) => guarded(attempt, inner), s)
        : guarded(0, s);
    };
    // An open breaker answers before any queue, timer or socket is touched.
    const work =
      breaker && breaker.retryAfterMs() > 0
        ? Promise.reject(new BrokenCircuitError())
        : bulkhead
          ? bulkhead.execute(({ signal: s }) => withRetry(s), signal)
          : withRetry(signal);
    // The work may still settle after an abort (a backoff sleep ends); nobody waits for it then.
    work.catch(() => undefined);

    try {
      const interrupted = () => classifyInterruption(call, callDeadlineMs);
      const response = await Promise.race([work, abortion(signal, interrupted)]);
      if (callOptions.schema)
        response.data = await validateResponse(callOptions.schema, response.data, scope);
      return response as UpstreamResponse<T>;
    } catch (error) {
      // A narrower signal set by a middleware (a tool deadline) explains itself better than we can.
      const reason = ctx?.signal.aborted ? ctx.signal.reason : undefined;
      const coded =
        reason !== undefined && isMcpkitError(reason)
          ? reason
          : toUpstreamError(error, {
              scope,
              exposeErrorBody: options.exposeErrorBody,
              ...(breaker ? { breakerRetryAfterMs: () => breaker.retryAfterMs() } : {}),
            });
      telemetry.emit('upstream.giveup', { upstream: name, attempts: call.attempts, errorCode: coded.code });
      logUpstreamFailure(logger, error, {
        upstream: name,
        method: verb,
        path: scope.path,
        attempts: call.attempts,
        code: coded.code,
        message: coded.message,
      });
      throw coded;
    } finally {
      clearTimeout(timer);
    }
  }

  /** A call, answered by the fallback (the call's, else the upstream's) when it fails and one is set. */
  async function answer<T>(
    method: string,
    path: string,
    callOptions: UpstreamCallOptions = {},
  ): Promise<UpstreamResponse<T>> {
    const fallback = callOptions.fallback ?? options.fallback;
    if (!fallback) return request<T>(method, path, callOptions);
    try {
      return await request<T>(method, path, callOptions);
    } catch (error) {
      // Nobody is waiting for an answer when the caller left.
      const left = callOptions.ctx?.signal.aborted === true || callOptions.signal?.aborted === true;
      if (!isMcpkitError(error) || left) throw error;
      const scope: FailureScope = {
        upstream: name,
        method: method.toUpperCase(),
        path: path.split('?')[0] ?? path,
      };
      const data = await fallback(error, { ...scope, ctx: callOptions.ctx });
      if (data === undefined) throw error;
      // The schema types the result, whoever answers.
      const valid = callOptions.schema
        ? await validateResponse(callOptions.schema, data, scope).catch((failure: unknown) => {
            throw toUpstreamError(failure, { scope });
          })
        : data;
      return { status: 0, headers: new Headers(), data: valid as T, fallback: true };
    }
  }

  const shortcut =
    (method: string): UpstreamMethod =>
    async (path: string, callOptions?: UpstreamCallOptions) =>
      (await answer(method, path, callOptions)).data as never;

  return {
    name,
    get breakerState(): BreakerState {
      return breaker ? breaker.state : 'disabled';
    },
    request: answer,
    get: shortcut('GET'),
    post: shortcut('POST'),
    put: shortcut('PUT'),
    patch: shortcut('PATCH'),
    delete: shortcut('DELETE'),
    install(builder) {
      bound = { telemetry: builder.telemetry, logger: builder.logger.child({ upstream: name }) };
      if (options.healthCheck === false) return;
      builder.health(`upstream:${name}`, (): HealthCheckResult => {
        if (!breaker) return { healthy: true, details: { breaker: 'disabled' } };
        const state = breaker.state;
        const healthy = state === 'closed' || state === 'halfOpen';
        const details: Record<string, unknown> = { breaker: state };
        if (state === 'open') details.retryAfterMs = breaker.retryAfterMs();
        const last = breaker.policy.lastFailure;
        if (!healthy && last && 'error' in last) details.lastFailure = describe(last.error);
        return { healthy, details };
      });
    },
  };
}
