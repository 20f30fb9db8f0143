import type { BaseContext, Middleware } from '@mcpkit/core';
import { type Level, type Logger as PinoLogger, pino } from 'pino';
import { type ClassifiedOutcome, classifyError, classifyResult } from '../outcome/classify-outcome.js';
import { createSecretRedactor } from '../redaction/redact-secrets.js';
import { traceIdOf } from '../tracing/traceparent.js';
import { BoundLoggers } from './bound-loggers.js';
import { createLogDestination } from './log-destination.js';
import '../tracing/trace-state.js';

/** Options of {@link logging}. */
export interface LoggingOptions {
  /** The pino logger to write to. Default: a new pino logger at `LOG_LEVEL` or `info` on standard error through {@link createLogDestination} (4 KiB batches, flushed every second and at exit), writing core's line shape (`"level":"info"`, no `pid`/`hostname`). */
  logger?: PinoLogger;
  /** Level of the per-request line for successful requests; failures use `warn`, `INTERNAL` failures `error`. Default: `info`. */
  level?: Level;
  /** Log tool/prompt arguments (secrets still redacted). Default: false. */
  logArguments?: boolean;
  /** Log results (secrets still redacted). Default: false. */
  logResults?: boolean;
  /** Extra pino redaction paths over the line, e.g. `['args.ssn', 'result.structuredContent.email']`. Default: none. */
  redact?: readonly string[];
  /** Extra key names whose values are always redacted in arguments and results. Default: none. */
  secretKeys?: readonly string[];
  /** Message of the per-request line. Default: `request completed`. */
  message?: string;
}

type Target = 'tool' | 'prompt' | 'resource' | undefined;

function targetKey(method: string): Target {
  if (method === 'tools/call') return 'tool';
  if (method === 'prompts/get') return 'prompt';
  if (method === 'resources/read') return 'resource';
  return undefined;
}

function traceIdFor(ctx: BaseContext): string | undefined {
  const fromSpan = ctx.state.traceId;
  if (fromSpan !== undefined) return fromSpan;
  // Without tracing() installed, the caller's trace id still correlates the line.
  const meta = (ctx.params as { _meta?: { traceparent?: unknown } })._meta;
  return traceIdOf(meta?.traceparent ?? ctx.headers.traceparent);
}

function defaultLogger(): PinoLogger {
  const level = process.env.LOG_LEVEL ?? 'info';
  // Standard error keeps standard output free for the stdio transport. Lines are written in 4 KiB
  // batches (and at least once a second, and at exit), so a busy server pays one write per batch.
  // The line has core's shape (`"level":"info"`, no pid or hostname), so one stderr reads as one log.
  return pino(
    { level, base: null, formatters: { level: (label) => ({ level: label }) } },
    createLogDestination({ dest: 2 }),
  );
}

/**
 * One structured pino line per request at completion: method, tool/prompt/resource, duration,
 * outcome, error code, request id, trace id and caller id. Arguments and results are off by
 * default; when turned on, secret-named keys and secret-looking values (bearer tokens, API keys,
 * card numbers) are redacted before the line is built, and `redact` paths are applied by pino.
 */
export function logging(options: LoggingOptions = {}): Middleware {
  const root = options.logger ?? defaultLogger();
  const paths = options.redact ?? [];
  const logger =
    paths.length > 0 ? root.child({}, { redact: { paths: [...paths], censor: '[Redacted]' } }) : root;
  const okLevel: Level = options.level ?? 'info';
  const logArgs = options.logArguments ?? false;
  const logResults = options.logResults ?? false;
  const message = options.message ?? 'request completed';
  const redact = createSecretRedactor({ keys: options.secretKeys ?? [] });
  const bound = new BoundLoggers(logger);

  const write = (
    ctx: BaseContext,
    started: number,
    classified: ClassifiedOutcome,
    result: unknown,
    error: unknown,
  ): void => {
    const level: Level =
      classified.outcome !== 'error' ? okLevel : classified.errorType === 'INTERNAL' ? 'error' : 'warn';
    if (!logger.isLevelEnabled(level)) return;
    const key = targetKey(ctx.method);
    // Method, tool or prompt name and era repeat from request to request: they are bound once per
    // combination in a child logger, and the line carries only what changes.
    const field = key === 'resource' ? undefined : key;
    const name = field === undefined ? undefined : ctx.name;
    const child = bound.get(ctx.method, ctx.era, field, name);
    const line: Record<string, unknown> = {
      requestId: ctx.requestId,
      durationMs: Math.round((performance.now() - started) * 1000) / 1000,
      outcome: classified.outcome,
    };
    if (child === undefined) {
      // Past the cache's bound: the fields go on the line itself.
      line.method = ctx.method;
      if (field !== undefined) line[field] = name;
      line.era = ctx.era;
    }
    // A URI can carry credentials (`postgres://admin:…@db`); names of tools and prompts are registered ones.
    if (key === 'resource') line.resource = redact(ctx.name);
    if (classified.errorType !== undefined) line.errorCode = classified.errorType;
    const traceId = traceIdFor(ctx);
    if (traceId !== undefined) line.traceId = traceId;
    if (ctx.auth !== undefined) line.callerId = ctx.auth.subject;
    if (logArgs && key !== 'resource') {
      const args = (ctx as { arguments?: unknown }).arguments;
      if (args !== undefined) line.args = redact(args);
    }
    if (logResults && result !== undefined) line.result = redact(result);
    // Unexpected failures keep their message for operators; coded ones are already described by errorCode.
    if (classified.errorType === 'INTERNAL' && error instanceof Error) line.err = redact(error.message);
    (child ?? logger)[level](line, message);
  };

  // Promise callbacks rather than an async function: one promise per request instead of two.
  return (ctx, next) => {
    const started = performance.now();
    return next().then(
      (result) => {
        write(ctx, started, classifyResult(result), result, undefined);
        return result;
      },
      (error: unknown) => {
        write(ctx, started, classifyError(error), undefined, error);
        throw error;
      },
    );
  };
}
