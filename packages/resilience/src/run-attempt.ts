import type { BaseContext, Telemetry } from '@mcpkit/core';
import { type TimeoutPolicy, TimeoutStrategy, timeout } from 'cockatiel';
import type { KyInstance } from 'ky';
import { type FailureScope, UpstreamFailure } from './error-mapping.js';
import { type AttemptRequest, sendAttempt } from './send-attempt.js';
import type { TokenBucket } from './token-bucket.js';
import { authHeader } from './upstream-auth.js';
import type { UpstreamCallOptions, UpstreamOptions, UpstreamResponse } from './upstream-options.js';
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
  readonly bucket: TokenBucket | undefined;
  /** The upstream's default per-attempt deadline and its prebuilt timeout policy. */
  readonly attemptTimeoutMs: number;
  readonly attemptTimeout: TimeoutPolicy;
  /** The upstream's default overall deadline, named in deadline failures. */
  readonly deadlineMs: number;
}

/** Turns what an attempt threw into an {@link UpstreamFailure}, telling deadline, cancellation and timeout apart. */
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
      return new UpstreamFailure('deadline', `no answer within the ${deadlineMs} ms deadline`, call.scope);
    }
    if (call.signal.aborted) return new UpstreamFailure('cancelled', 'cancelled by the caller', call.scope);
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
    const waitMs = await env.bucket.take(parentSignal);
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
    throw classifyFailure(error, call, parentSignal, ms, env.deadlineMs);
  }
}
