import { isMcpkitError, McpkitError } from '@mcpkit/core';
import { isBrokenCircuitError, isBulkheadRejectedError } from 'cockatiel';

/**
 * How one upstream attempt failed. `timeout`: the upstream had the request and did not answer in
 * the time the attempt had (its own deadline, the call's, or a tool-level one); `deadline`: the
 * call ran out of time outside an exchange (waiting for a rate-limit token); `cancelled`: the
 * caller left. The breaker counts `timeout`, never `deadline` or `cancelled`.
 */
export type FailureKind = 'http' | 'timeout' | 'deadline' | 'network' | 'cancelled' | 'too-large' | 'invalid';

/** Where a failure happened, for messages and logs. */
export interface FailureScope {
  upstream: string;
  method: string;
  path: string;
}

/** Which upstream error bodies may reach the client: listed statuses, or a function picking safe fields. */
export type ExposeErrorBody =
  | readonly number[]
  | ((failure: { status: number; body: string }) => Record<string, unknown> | undefined);

/**
 * A failed upstream attempt, before mapping. It keeps everything for the log (status, body,
 * cause); only the mapped {@link McpkitError} reaches the client.
 */
export class UpstreamFailure extends Error {
  override readonly name = 'UpstreamFailure';
  constructor(
    readonly kind: FailureKind,
    message: string,
    readonly scope: FailureScope,
    readonly extra: {
      status?: number;
      retryAfterMs?: number;
      body?: string;
      cause?: unknown;
    } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
  }
  get status(): number | undefined {
    return this.extra.status;
  }
  get retryAfterMs(): number | undefined {
    return this.extra.retryAfterMs;
  }
}

const BODY_LIMIT = 2_048;

function exposedBody(failure: UpstreamFailure, expose: ExposeErrorBody | undefined): Record<string, unknown> {
  const { status, body } = failure.extra;
  if (expose === undefined || status === undefined || body === undefined) return {};
  if (typeof expose === 'function') {
    const picked = expose({ status, body });
    return picked === undefined ? {} : { upstreamError: picked };
  }
  return expose.includes(status) ? { upstreamBody: body.slice(0, BODY_LIMIT) } : {};
}

function fromFailure(failure: UpstreamFailure, expose: ExposeErrorBody | undefined): McpkitError {
  const { upstream, method, path } = failure.scope;
  const where = `${method} ${path}`;
  const retryAfterMs = failure.retryAfterMs;
  const timing = retryAfterMs === undefined ? {} : { retryAfterMs };
  switch (failure.kind) {
    case 'timeout':
    case 'deadline':
      return new McpkitError('UPSTREAM_TIMEOUT', `${upstream} did not answer ${where} in time.`, {
        cause: failure,
        hint: 'The provider is slow right now; try again later or ask for less data.',
        details: { upstream },
      });
    case 'network':
      return new McpkitError('UPSTREAM_UNAVAILABLE', `${upstream} could not be reached for ${where}.`, {
        cause: failure,
        hint: 'The provider is unreachable right now; try again later.',
        details: { upstream },
      });
    case 'cancelled':
      return new McpkitError('UPSTREAM_UNAVAILABLE', `The call to ${upstream} (${where}) was cancelled.`, {
        cause: failure,
        details: { upstream },
      });
    case 'too-large':
    case 'invalid':
      return new McpkitError(
        'UPSTREAM_ERROR',
        `${upstream} sent an unusable response to ${where}: ${failure.message}`,
        {
          cause: failure,
          retryable: false,
          hint: 'The provider answered with something this tool cannot use; retrying will not help.',
          details: { upstream },
        },
      );
    case 'http':
      break;
  }
  const status = failure.status ?? 0;
  if (status === 429) {
    return new McpkitError('RATE_LIMITED', `${upstream} is rate limiting ${where}.`, {
      cause: failure,
      ...timing,
      hint:
        retryAfterMs === undefined
          ? 'The provider is throttling calls; wait before calling again.'
          : `The provider is throttling calls; wait ${retryAfterMs} ms before calling again.`,
      details: { upstream, status },
    });
  }
  if (status === 408) {
    return new McpkitError('UPSTREAM_TIMEOUT', `${upstream} timed out on ${where} (408).`, {
      cause: failure,
      ...timing,
      hint: 'The provider is slow right now; try again later.',
      details: { upstream, status },
    });
  }
  if (status >= 500 || status === 425) {
    return new McpkitError('UPSTREAM_UNAVAILABLE', `${upstream} failed on ${where} (${status}).`, {
      cause: failure,
      ...timing,
      hint: 'The provider is having trouble; try again later.',
      details: { upstream, status },
    });
  }
  return new McpkitError('UPSTREAM_ERROR', `${upstream} rejected ${where} (${status}).`, {
    cause: failure,
    retryable: false,
    hint: `The provider refused this request with status ${status}; check the arguments, retrying the same call will fail again.`,
    details: { upstream, status, ...exposedBody(failure, expose) },
  });
}

/** What the mapper needs besides the error. */
export interface MappingOptions {
  scope: FailureScope;
  /** Milliseconds until the breaker lets a trial through (for `CIRCUIT_OPEN`). */
  breakerRetryAfterMs?: () => number;
  exposeErrorBody?: ExposeErrorBody;
}

/**
 * Maps anything an upstream call threw to a coded error: timeouts → `UPSTREAM_TIMEOUT`, 5xx and
 * network → `UPSTREAM_UNAVAILABLE`, 429 → `RATE_LIMITED`, open breaker → `CIRCUIT_OPEN`, other 4xx
 * → `UPSTREAM_ERROR`. The upstream body is never in the message; `details` carries it only when
 * `exposeErrorBody` allows. Coded errors pass through unchanged.
 */
export function toUpstreamError(error: unknown, options: MappingOptions): McpkitError {
  if (isMcpkitError(error)) return error;
  const { upstream } = options.scope;
  if (error instanceof UpstreamFailure) return fromFailure(error, options.exposeErrorBody);
  if (isBrokenCircuitError(error)) {
    const retryAfterMs = options.breakerRetryAfterMs?.() ?? 0;
    return new McpkitError('CIRCUIT_OPEN', `${upstream} is failing; calls to it are paused.`, {
      cause: error,
      retryAfterMs,
      hint: `Do not call tools that need ${upstream} for about ${Math.ceil(retryAfterMs / 1_000)} s.`,
      details: { upstream },
    });
  }
  if (isBulkheadRejectedError(error)) {
    return new McpkitError('RATE_LIMITED', `Too many calls to ${upstream} are in flight.`, {
      cause: error,
      retryable: true,
      hint: 'The server is at its concurrency limit for this provider; retry in a moment.',
      details: { upstream, reason: 'bulkhead' },
    });
  }
  return new McpkitError('UPSTREAM_ERROR', `The call to ${upstream} failed.`, {
    cause: error,
    retryable: false,
    details: { upstream },
  });
}
