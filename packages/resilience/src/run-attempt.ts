import { type BaseContext, isMcpkitError, type Telemetry } from '@mcpkit/core';
import { type TimeoutPolicy, TimeoutStrategy, timeout } from 'cockatiel';
import type { KyInstance } from 'ky';
import { type FailureScope, UpstreamFailure } from './error-mapping.js';
import { type AttemptRequest, sendAttempt } from './send-attempt.js';
import { authHeader } from './upstream-auth.js';
import type { UpstreamCallOptions, UpstreamOptions, UpstreamResponse } from './upstream-options.js';
import type { UpstreamRateLimiter } from './upstream-rate-limiter.js';
import './telemetry-events.js';

/** Everything one logical call carries across its attempts. */
export interface CallState {
  readonly scope: FailureScope;
  readonly ctx: BaseContext | undefined;
  readonly telemetry: Telemetry;
  readonly signal: AbortSignal;
  readonly deadlineSignal: AbortSignal;
  readonly deadlineAt: number;
  readonly retryable: boolean;
  attempts: number;
}

/** What an upstream fixes once and every attempt of every call shares. */
export interface AttemptEnvironment {
  /** The upstream's name, for telemetry. */
  readonly name: string;
  /** The ky instance (its own retries and timeout off). */
  readonly client: KyInstance;
  readonly auth: UpstreamOptions['auth'];
  readonly bucket: UpstreamRateLimiter | undefined;
  /** The upstream's default per-attempt deadline and its prebuilt timeout policy. */
  readonly attemptTimeoutMs: number;
  readonly attemptTimeout: TimeoutPolicy;
  /** The upstream's default overall deadline, named in deadline failures. */
  readonly deadlineMs: number;
}

/** True when an abort reason is a deadline (a tool-level timeout, `AbortSignal.timeout()`), not a caller leaving. */
export function isDeadlineReason(reason: unknown): boolean {
  if (isMcpkitError(reason)) return reason.code === 'UPSTREAM_TIMEOUT';
  return reason instanceof Error && reason.name === 'TimeoutError';
}

/** Why a call stopped outside an attempt's exchange (waiting for a rate-limit token): deadline or cancellation. */
export function classifyInterruption(call: CallState, deadlineMs: number): UpstreamFailure {
  if (call.deadlineSignal.aborted) {
    return new UpstreamFailure('deadline', `no answer within the ${deadlineMs} ms deadline`, call.scope);
  }
  if (isDeadlineReason(call.signal.reason)) {
    return new UpstreamFailure('deadline', 'no answer before the caller’s deadline', call.scope);
  }
  return new UpstreamFailure('cancelled', 'cancelled by the caller', call.scope);
}

/**
 * Turns what an attempt's exchange threw into an {@link UpstreamFailure}. An exchange stopped by
 * a clock — its own deadline, the call's, or one a middleware set on `ctx.signal` — is a
 * `timeout`: the upstream had the request and did not answer in the time it had, which says
 * something about the upstream. Only a caller leaving is `cancelled`, which says nothing.
 */
export function classifyFailure(
  error: unknown,
  call: CallState,
  attemptSignal: AbortSignal,
  ms: number,
  deadlineMs: number,
): UpstreamFailure {
  if (error instanceof UpstreamFailure) return error;
  if (attemptSignal.aborted) {
    if (call.deadlineSignal.aborted) {
      return new UpstreamFailure(
        'timeout',
        `no answer before the ${deadlineMs} ms call deadline`,
        call.scope,
        {
          cause: error,
        },
      );
    }
    if (call.signal.aborted) {
      if (!isDeadlineReason(call.signal.reason)) {
        return new UpstreamFailure('cancelled', 'cancelled by the caller', call.scope);
      }
      return new UpstreamFailure('timeout', 'no answer before the caller’s deadline', call.scope, {
        cause: error,
      });
    }
    return new UpstreamFailure('timeout', `no answer within ${ms} ms`, call.scope, { cause: error });
  }
  return new UpstreamFailure('network', 'the connection failed', call.scope, { cause: error });
}

/**
 * Runs one attempt of a call: waits for the outbound rate limit, adds the auth header, sends the
 * request under the per-attempt deadline, reports the response, and resends once with a fresh
 * token when an OAuth2 provider's token is refused with a 401. Failures are thrown classified.
 */
export async function runAttempt(
  env: AttemptEnvironment,
  call: CallState,
  attempt: number,
  request: Omit<AttemptRequest, 'headers'> & { headers: Record<string, string> },
  callOptions: UpstreamCallOptions,
  parentSignal: AbortSignal,
): Promise<UpstreamResponse<unknown>> {
  const { name, auth } = env;
  call.attempts += 1;
  call.telemetry.emit('upstream.attempt', {
    upstream: name,
    attempt: attempt + 1,
    method: call.scope.method,
    path: call.scope.path,
  });
  if (env.bucket) {
    const waitMs = await env.bucket.take(parentSignal).catch((error: unknown) => {
      throw parentSignal.aborted ? classifyInterruption(call, env.deadlineMs) : error;
    });
    if (waitMs > 0) call.telemetry.emit('ratelimit.wait', { name: `upstream:${name}`, waitMs });
  }
  const ms = callOptions.attemptTimeoutMs ?? env.attemptTimeoutMs;
  const policy = ms === env.attemptTimeoutMs ? env.attemptTimeout : timeout(ms, TimeoutStrategy.Cooperative);
  try {
    return await policy.execute(async ({ signal }) => {
      const started = performance.now();
      const report = (status: number) =>
        call.telemetry.emit('upstream.response', {
          upstream: name,
          attempt: attempt + 1,
          method: call.scope.method,
          path: call.scope.path,
          status,
          durationMs: performance.now() - started,
        });
      let refreshed = false;
      for (;;) {
        const headers = { ...request.headers };
        let token: string | undefined;
        if (auth) {
          const header = await authHeader(auth);
          headers[header.name] = header.value;
          token = header.token;
        }
        try {
          const response = await sendAttempt(env.client, { ...request, headers }, signal);
          report(response.status);
          return response;
        } catch (error) {
          const failure = classifyFailure(error, call, signal, ms, env.deadlineMs);
          if (failure.kind === 'http') report(failure.status ?? 0);
          // A token the provider no longer accepts is refreshed once, then the request is resent.
          if (failure.status === 401 && token !== undefined && !refreshed && auth?.type === 'oauth2') {
            auth.invalidate(token);
            refreshed = true;
            continue;
          }
          throw failure;
        }
      }
    }, parentSignal);
  } catch (error) {
    if (error instanceof UpstreamFailure) throw error;
    // Not from the exchange (which classifies its own): the rate-limit wait or the timeout policy.
    if (parentSignal.aborted) throw classifyInterruption(call, env.deadlineMs);
    throw classifyFailure(error, call, parentSignal, ms, env.deadlineMs);
  }
}
