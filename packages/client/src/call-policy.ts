import { McpkitError } from '@mcpkit/core';
import {
  type Breaker,
  type BreakerOptions,
  createBreaker,
  createRetryPolicy,
  type FailureVerdict,
} from '@mcpkit/resilience';
import { isBrokenCircuitError } from 'cockatiel';
import { isAbort, RemoteError, toClientError } from './remote-error.js';

/** Retries of {@link ClientCallOptions}: which failures are tried again, and how often. */
export interface ClientRetryOptions {
  /** Attempts per call, the first included. Default: 4. */
  maxAttempts?: number;
  /** Base delay of the decorrelated-jitter backoff. Default: 100 ms. */
  baseDelayMs?: number;
  /** Longest backoff delay; a longer `retryAfterMs` from the server is not waited for. Default: 5 000 ms. */
  maxDelayMs?: number;
}

/** The call behaviour every request of a client shares (see `createClient`'s options). */
export interface CallPolicyOptions {
  /** Deadline of one call, retries and backoff included. Default: 60 000 ms. */
  timeoutMs?: number;
  /** Retries of retryable failures, or `false` for none. Default: `{ maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 5 000 }`. */
  retry?: ClientRetryOptions | false;
  /** The circuit breaker of this client's target, or `false` for none. Default: sampling breaker (50 % over 30 s, 5 rps minimum, 10 s open). */
  breaker?: BreakerOptions | false;
}

/** One call as the policy runs it: an attempt function and whether it may be repeated. */
export interface PolicyCall<T> {
  /** Runs one attempt; `timeoutMs` is what is left of the call's deadline. */
  attempt: (signal: AbortSignal | undefined, timeoutMs: number) => Promise<T>;
  /** Whether repeating the call is safe (read methods, idempotent or read-only tools). */
  idempotent: boolean;
  /** Per-call deadline, overriding the client's. */
  timeoutMs?: number;
  /** The caller's cancellation. */
  signal?: AbortSignal;
  /** Tool name, for the errors. */
  tool?: string;
}

/** Runs calls with the client's deadline, retries and breaker; built once per client. */
export interface CallPolicy {
  run<T>(call: PolicyCall<T>): Promise<T>;
  /** The breaker's state (`closed`, `open`, `halfOpen` …), or `disabled`. */
  readonly breakerState: Breaker['state'] | 'disabled';
}

/** Transport faults count against the breaker; answers (even coded errors) do not. */
function verdictOf(error: Error): FailureVerdict {
  if (isAbort(error)) return 'no-verdict';
  // Transport verdicts carry the SDK's error as their cause; a server's coded answer has none.
  if (error instanceof RemoteError && error.cause !== undefined) {
    return error.code === 'UPSTREAM_UNAVAILABLE' || error.code === 'UPSTREAM_TIMEOUT' ? 'fault' : 'answered';
  }
  return 'answered';
}

function isRetryable(error: Error): boolean {
  return error instanceof McpkitError && error.retryable;
}

/** The signal of calls without one (cockatiel wants a signal); never aborts, and is never handed to the SDK. */
const NEVER = new AbortController().signal;

/** Builds the policy once, from the client's options. */
export function createCallPolicy(options: CallPolicyOptions): CallPolicy {
  const defaultTimeout = options.timeoutMs ?? 60_000;
  const breaker = options.breaker === false ? undefined : createBreaker(options.breaker ?? {}, verdictOf);
  const retry = options.retry === false ? undefined : options.retry;
  const maxDelayMs = retry?.maxDelayMs ?? 5_000;
  const makePolicy = (deadline: number) =>
    createRetryPolicy({
      maxAttempts: retry?.maxAttempts ?? 4,
      baseDelayMs: retry?.baseDelayMs ?? 100,
      maxDelayMs,
      shouldRetry: (error) => {
        if (!isRetryable(error)) return false;
        const wait = (error as McpkitError).retryAfterMs ?? 0;
        // A server asking for more patience than we have, or than we allow, gets its answer.
        return wait <= maxDelayMs && Date.now() + wait < deadline;
      },
    });

  return {
    get breakerState() {
      return breaker ? breaker.state : 'disabled';
    },
    async run<T>(call: PolicyCall<T>): Promise<T> {
      const timeoutMs = call.timeoutMs ?? defaultTimeout;
      const deadline = Date.now() + timeoutMs;
      const retrying = retry !== undefined && call.idempotent;
      // A single attempt is bounded by the SDK's own request timeout (which also cancels the
      // request on the server); only a call that may be retried needs a deadline of its own,
      // covering the attempts and the backoff between them.
      const timer = retrying ? AbortSignal.timeout(timeoutMs) : undefined;
      const signal = timer && call.signal ? AbortSignal.any([call.signal, timer]) : (timer ?? call.signal);
      const once = async (attemptSignal: AbortSignal | undefined): Promise<T> => {
        const left = Math.max(1, deadline - Date.now());
        try {
          return await call.attempt(attemptSignal, left);
        } catch (error) {
          throw toClientError(error, call.tool);
        }
      };
      const guarded = (attemptSignal: AbortSignal | undefined): Promise<T> =>
        breaker
          ? breaker.execute((inner) => once(attemptSignal && inner), attemptSignal ?? NEVER)
          : once(attemptSignal);
      try {
        if (!retrying) return await guarded(signal);
        return await makePolicy(deadline).execute(({ signal: inner }) => guarded(inner), signal);
      } catch (error) {
        if (call.signal?.aborted) throw call.signal.reason ?? error;
        if (timer?.aborted && (isAbort(error) || signal?.aborted)) {
          throw new RemoteError('UPSTREAM_TIMEOUT', `The call did not finish within ${timeoutMs} ms.`, {
            retryable: true,
            cause: error,
            ...(call.tool === undefined ? {} : { tool: call.tool }),
            hint: 'Raise `timeoutMs` (per call or on the client) if the call is expected to be slow.',
          });
        }
        if (isBrokenCircuitError(error)) {
          throw new RemoteError('CIRCUIT_OPEN', 'The circuit breaker of this server is open.', {
            retryable: true,
            retryAfterMs: breaker?.retryAfterMs() ?? 0,
            cause: error,
            hint: 'The server failed repeatedly; calls resume after the breaker half-opens.',
          });
        }
        throw error;
      }
    },
  };
}
