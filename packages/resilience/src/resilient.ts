import {
  type BaseContext,
  ErrorCode,
  isInputRequired,
  isMcpkitError,
  type Logger,
  McpkitError,
  type Middleware,
  type ResultOf,
  type Telemetry,
  type ToolErrorPayload,
  toMcpkitError,
} from '@mcpkit/core';

type CallToolResult = ResultOf<'tools/call'>;

import { bulkhead as cockatielBulkhead, isBrokenCircuitError, isBulkheadRejectedError } from 'cockatiel';
import { type BreakerOptions, createBreaker, type FailureVerdict } from './breaker-policy.js';
import { createRetryPolicy } from './retry-policy.js';

/** Retry settings of {@link resilient}. */
export interface ResilientRetryOptions {
  /** Attempts per call, the first included. Default: 3. */
  maxAttempts?: number;
  /** Base delay of the decorrelated-jitter backoff. Default: 100 ms. */
  baseDelayMs?: number;
  /** Longest backoff delay. Default: 2 000 ms. */
  maxDelayMs?: number;
  /**
   * Which failures are worth another attempt. Default: coded `UPSTREAM_TIMEOUT` /
   * `UPSTREAM_UNAVAILABLE`, Node network errors (`ECONNRESET`, `ECONNREFUSED`, `ETIMEDOUT`, `EPIPE`,
   * `EAI_AGAIN`) and transient SQLSTATEs (class `08`, `40001`, `40P01`, `57P01`). A coded `isError`
   * result returned by an inner layer is offered here as the {@link McpkitError} its payload describes.
   */
  retryOn?: (error: unknown) => boolean;
}

/** Options of {@link resilient}. */
export interface ResilientOptions {
  /** Name in telemetry, errors and breaker events. Default: `resilient`. */
  name?: string;
  /** Deadline of one attempt in milliseconds; the handler's `ctx.signal` aborts at it. Default: none. */
  timeoutMs?: number;
  /** Retries, or `false`/absent for none. Only for idempotent work. */
  retry?: ResilientRetryOptions | false;
  /** Circuit breaker shared by every call through this instance. Default: none. */
  breaker?: BreakerOptions | false;
  /** Concurrency limit: `maxConcurrent` in flight, `maxQueue` waiting (default 0), the rest rejected `RATE_LIMITED`. Default: none. */
  bulkhead?: { maxConcurrent: number; maxQueue?: number } | false;
  /** Answer given instead of a failure (the coded error and the context are passed in). Default: none (the error is thrown). */
  fallback?: (
    error: McpkitError,
    ctx: BaseContext,
  ) => CallToolResult | string | Promise<CallToolResult | string>;
}

/** The middleware made by {@link resilient}, which can also wrap a function directly. */
export interface ResilientMiddleware extends Middleware<'tools/call'> {
  /** Runs `fn` under the same policies (use it around a handler, or any function taking a context). */
  wrap<A, C extends BaseContext, R>(
    fn: (args: A, ctx: C) => R | Promise<R>,
  ): (args: A, ctx: C) => Promise<R | CallToolResult | string>;
}

const TRANSIENT_NODE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN']);
const TRANSIENT_SQLSTATES = new Set(['40001', '40P01', '57P01']);

/** The default retry decision: transient coded failures, network errors and transient database errors. */
function transient(error: unknown): boolean {
  if (isMcpkitError(error)) return error.code === 'UPSTREAM_TIMEOUT' || error.code === 'UPSTREAM_UNAVAILABLE';
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string') return false;
  return TRANSIENT_NODE_CODES.has(code) || TRANSIENT_SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code);
}

/** True when an abort reason is a deadline (our timeout, a tool-level one, `AbortSignal.timeout()`), not a caller leaving. */
function isDeadlineReason(reason: unknown): boolean {
  if (isMcpkitError(reason)) return reason.code === 'UPSTREAM_TIMEOUT';
  return reason instanceof Error && reason.name === 'TimeoutError';
}

/**
 * What a failure says about the dependency: everything but the caller's own mistakes and control
 * signals is a fault; `cancelled` holds the failures of attempts whose caller left, which say nothing.
 */
function verdictOf(error: Error, cancelled: WeakSet<Error>): FailureVerdict {
  if (cancelled.has(error)) return 'no-verdict';
  if (isInputRequired(error)) return 'answered';
  if (!isMcpkitError(error)) return 'fault';
  const fault =
    error.code === 'UPSTREAM_TIMEOUT' || error.code === 'UPSTREAM_UNAVAILABLE' || error.code === 'INTERNAL';
  return fault ? 'fault' : 'answered';
}

const noop = () => undefined;

/**
 * The coded failure an `isError` result carries in `structuredContent.error`, rebuilt as an
 * {@link McpkitError}; undefined for successes and for plain (uncoded) error results, which are
 * the handler's own answer rather than a failure of the work.
 */
function codedFailureOf(result: unknown): McpkitError | undefined {
  if (typeof result !== 'object' || result === null) return undefined;
  const { isError, structuredContent } = result as {
    isError?: unknown;
    structuredContent?: { error?: unknown };
  };
  if (isError !== true || typeof structuredContent?.error !== 'object' || structuredContent.error === null) {
    return undefined;
  }
  const payload = structuredContent.error as Partial<ToolErrorPayload>;
  const code = payload.code;
  if (typeof code !== 'string' || !Object.hasOwn(ErrorCode, code)) return undefined;
  return new McpkitError(code, typeof payload.message === 'string' ? payload.message : code, {
    ...(typeof payload.retryable === 'boolean' ? { retryable: payload.retryable } : {}),
    ...(typeof payload.retryAfterMs === 'number' ? { retryAfterMs: payload.retryAfterMs } : {}),
    ...(typeof payload.hint === 'string' ? { hint: payload.hint } : {}),
    ...(payload.details ? { details: payload.details } : {}),
  });
}

/**
 * Tool middleware that applies timeout, retry, circuit breaker, bulkhead and fallback around a
 * whole handler — for tools that call something other than HTTP (a database driver, an SDK).
 * As middleware each attempt runs the rest of the chain again. Policies are built once per
 * `resilient()` call and shared by every call through it.
 */
export function resilient(options: ResilientOptions = {}): ResilientMiddleware {
  const name = options.name ?? 'resilient';
  const retryOn = (options.retry ? options.retry.retryOn : undefined) ?? transient;
  // Failures rebuilt from returned isError results, mapped back to the result to answer unchanged.
  const returned = new WeakMap<Error, unknown>();
  const retryPolicy = options.retry
    ? createRetryPolicy({
        maxAttempts: options.retry.maxAttempts ?? 3,
        baseDelayMs: options.retry.baseDelayMs ?? 100,
        maxDelayMs: options.retry.maxDelayMs ?? 2_000,
        shouldRetry: (error) => !isInputRequired(error) && retryOn(error),
      })
    : undefined;
  // Failures of attempts the caller abandoned (client cancel, shutdown): no verdict on the dependency.
  const cancelled = new WeakSet<Error>();
  const breaker = options.breaker
    ? createBreaker(options.breaker, (error) => verdictOf(error, cancelled))
    : undefined;
  const bulkhead = options.bulkhead
    ? cockatielBulkhead(options.bulkhead.maxConcurrent, options.bulkhead.maxQueue ?? 0)
    : undefined;
  let telemetry: Telemetry | undefined;
  breaker?.policy.onBreak(() => telemetry?.emit('breaker.open', { name }));
  breaker?.policy.onHalfOpen(() => telemetry?.emit('breaker.halfOpen', { name }));
  breaker?.policy.onReset(() => telemetry?.emit('breaker.close', { name }));
  bulkhead?.onReject(() => telemetry?.emit('bulkhead.rejected', { name }));

  /** One attempt under the deadline: the context's signal is narrowed for the layers inside. */
  const withDeadline = async <R>(ctx: BaseContext, run: () => Promise<R>): Promise<R> => {
    const ms = options.timeoutMs;
    if (ms === undefined) return run();
    const controller = new AbortController();
    const expired = new McpkitError('UPSTREAM_TIMEOUT', `${name} did not finish within ${ms} ms.`, {
      hint: 'The work took too long; try again later or ask for less.',
      details: { timeoutMs: ms },
    });
    const timer = setTimeout(() => controller.abort(expired), ms);
    const original = ctx.signal;
    ctx.signal = AbortSignal.any([original, controller.signal]);
    try {
      // Racing the deadline covers handlers that ignore their signal.
      return await Promise.race([
        run(),
        new Promise<never>((_, reject) =>
          controller.signal.addEventListener('abort', () => reject(expired), { once: true }),
        ),
      ]);
    } finally {
      clearTimeout(timer);
      ctx.signal = original;
    }
  };

  const execute = async <R>(
    ctx: BaseContext,
    run: () => Promise<R>,
    logger: Logger,
  ): Promise<R | CallToolResult | string> => {
    telemetry = ctx.telemetry;
    // A coded isError result is a failure too: thrown here so retry and breaker see it.
    const once = async () => {
      let result: R;
      try {
        result = await withDeadline(ctx, run);
      } catch (error) {
        // ctx.signal is the caller's again here (withDeadline narrows it only while the attempt runs).
        const left = ctx.signal.aborted && !isDeadlineReason(ctx.signal.reason);
        if (left && error instanceof Error) cancelled.add(error);
        throw error;
      }
      const failure = codedFailureOf(result);
      if (failure === undefined) return result;
      returned.set(failure, result);
      throw failure;
    };
    // cockatiel starts the next attempt when a backoff sleep ends, even if the caller left during
    // it: that attempt must not run the handler again, nor become the breaker's trial.
    const attempt = () => {
      if (ctx.signal.aborted) return Promise.reject(ctx.signal.reason);
      return breaker ? breaker.execute(once, ctx.signal) : once();
    };
    const retried = () => (retryPolicy ? retryPolicy.execute(attempt, ctx.signal) : attempt());
    try {
      return await (bulkhead ? bulkhead.execute(retried, ctx.signal) : retried());
    } catch (error) {
      if (isInputRequired(error)) throw error;
      const coded = toCoded(error, name, breaker?.retryAfterMs());
      if (!options.fallback) {
        // A failure an inner layer answered as a result goes back out as that same result.
        if (returned.has(coded)) return returned.get(coded) as R;
        throw coded;
      }
      const asCoded = toMcpkitError(coded);
      logger.warn(
        { middleware: name, code: asCoded.code, err: error },
        'resilient(): answering with the fallback',
      );
      return options.fallback(asCoded, ctx);
    }
  };

  const middleware = (async (ctx, next) => {
    let previous: Promise<void> | undefined;
    // One run of the rest of the chain per attempt (core lets next() run again once it settled).
    const run = async () => {
      const signal = ctx.signal;
      // A timed-out attempt whose handler ignored its signal may still be running, and core refuses
      // a second next() until it settles: wait for it, within this attempt's own deadline.
      if (previous) {
        await previous;
        if (signal.aborted) throw signal.reason;
      }
      const current = next();
      previous = current.then(noop, noop);
      return current;
    };
    const result = await execute(ctx, run, ctx.logger);
    return typeof result === 'string' ? { content: [{ type: 'text', text: result }] } : result;
  }) as ResilientMiddleware;
  middleware.wrap =
    <A, C extends BaseContext, R>(fn: (args: A, ctx: C) => R | Promise<R>) =>
    (args: A, ctx: C) =>
      execute(ctx, async () => fn(args, ctx), ctx.logger);
  return middleware;
}

function toCoded(error: unknown, name: string, breakerRetryAfterMs: number | undefined): McpkitError | Error {
  if (isBrokenCircuitError(error)) {
    const retryAfterMs = breakerRetryAfterMs ?? 0;
    return new McpkitError('CIRCUIT_OPEN', `${name} is failing; calls are paused.`, {
      cause: error,
      retryAfterMs,
      hint: `Do not call this tool again for about ${Math.ceil(retryAfterMs / 1_000)} s.`,
    });
  }
  if (isBulkheadRejectedError(error)) {
    return new McpkitError('RATE_LIMITED', `Too many ${name} calls are in flight.`, {
      cause: error,
      retryable: true,
      hint: 'The server is at its concurrency limit for this work; retry in a moment.',
      details: { reason: 'bulkhead' },
    });
  }
  // Other errors keep their identity: core turns unknown ones into INTERNAL and logs them.
  return error instanceof Error ? error : new Error(String(error));
}
