import { createHash, createHmac } from 'node:crypto';
import type { Logger, Middleware, Plugin, ServerBuilder, ToolCallContext } from '@mcpkit/core';
import { type ClassifiedOutcome, classifyError, classifyResult } from '../outcome/classify-outcome.js';
import { createSecretRedactor } from '../redaction/redact-secrets.js';
import { encodingRecord, jsonlEncoders } from './audit-line.js';
import type { AuditRecord, AuditSink, AuditSinkFunction } from './audit-record.js';
import { isoTime } from './iso-time.js';

/** Options of {@link audit}. `T` is what the sink's `encode` makes of a record (the record itself without one). */
export interface AuditOptions<T = AuditRecord> {
  /** Where records go: an {@link AuditSink} (e.g. `createJsonlFileSink({ path })`) or a function of a batch. */
  sink: AuditSink<T> | AuditSinkFunction;
  /** How arguments are recorded: secrets `redact`ed, `hash`ed, or `omit`ted. Default: `redact`. */
  args?: 'redact' | 'hash' | 'omit';
  /** Key for an HMAC-SHA-256 of the arguments when `args: 'hash'` (plain SHA-256 is guessable for small inputs). Default: none (SHA-256). */
  hashKey?: string;
  /** Extra argument key names to redact. Default: none. */
  secretKeys?: readonly string[];
  /**
   * Extra fields for a call's record, read once the call has ended (so the handler can leave them in
   * `ctx.state`: an amount, an idempotency key). Redacted like the arguments; return undefined for
   * none. A throw is logged and the record written without them. Default: none.
   */
  fields?: (ctx: ToolCallContext) => Record<string, unknown> | undefined;
  /** Most records held while the sink is busy; past it, new records are dropped and counted. Default: 10000. */
  maxBuffered?: number;
  /** Most records handed to the sink in one batch. Default: 1000. */
  maxBatch?: number;
  /**
   * Shortest time between the starts of two sink writes while records keep arriving, so busy
   * traffic reaches the sink in a few large batches instead of one small write per event-loop
   * turn. A record arriving after a quiet spell, a full batch, `flush()` and `close()` never wait
   * for it. Default: 50.
   */
  writeIntervalMs?: number;
}

/** The plugin {@link audit} returns, with its buffer's counters and lifecycle. */
export interface AuditPlugin extends Plugin {
  /** Records dropped because the buffer was full. */
  readonly dropped: number;
  /** Records waiting for the sink. */
  readonly buffered: number;
  /** Records the sink accepted. */
  readonly written: number;
  /** Records lost to the sink: in batches it rejected, or ones its `encode` threw on. */
  readonly failed: number;
  /** Resolves once every record buffered so far has been handed to the sink and settled. */
  flush(): Promise<void>;
  /** Flushes, then closes the sink. Records arriving later are dropped. */
  close(): Promise<void>;
}

const NO_LOGGER: Pick<Logger, 'warn' | 'error'> = { warn() {}, error() {} };

/**
 * An append-only audit trail of tool calls: one record per `tools/call` (time, caller, tool,
 * outcome, error code, request id, duration, arguments redacted or hashed). Records go to a
 * bounded in-memory buffer drained asynchronously into the sink, so a slow sink never slows a
 * call: when the buffer is full, records are dropped and counted (`dropped`, warned once).
 * Installed innermost, it records only calls that got past auth and rate limits.
 */
export function audit<T = AuditRecord>(options: AuditOptions<T>): AuditPlugin {
  const sink = (typeof options.sink === 'function' ? { write: options.sink } : options.sink) as AuditSink<T>;
  // Without `encode`, T is AuditRecord: the buffer holds the records themselves.
  const encode = sink.encode?.bind(sink) ?? ((record: AuditRecord) => record as T);
  // A JSON Lines sink called directly may build its lines field by field (see audit-line.ts).
  const fieldByField = sink.encode !== undefined && jsonlEncoders.get(sink) === sink.encode;
  const mode = options.args ?? 'redact';
  const maxBuffered = options.maxBuffered ?? 10_000;
  const maxBatch = options.maxBatch ?? 1000;
  const writeInterval = options.writeIntervalMs ?? 50;
  const redact = createSecretRedactor({ keys: options.secretKeys ?? [] });
  const hashKey = options.hashKey;
  const fieldsOf = options.fields;
  let logger: Pick<Logger, 'warn' | 'error'> = NO_LOGGER;

  let buffer: T[] = [];
  let dropped = 0;
  let written = 0;
  let failed = 0;
  let warned = false;
  let closed = false;
  let draining: Promise<void> | undefined;
  // When the last batch went to the sink, and how a drain waiting out the interval is woken early.
  let lastWrite = Number.NEGATIVE_INFINITY;
  let wake: (() => void) | undefined;
  // flush() calls in progress: drains they start or wait on skip the interval.
  let hurry = 0;

  const hash = (args: unknown): string => {
    const text = JSON.stringify(args) ?? '';
    return (hashKey === undefined ? createHash('sha256') : createHmac('sha256', hashKey))
      .update(text)
      .digest('hex');
  };

  const pause = (ms: number): Promise<void> =>
    new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      };
      // Not unref'd: pending records keep the process alive until written, at most `ms` longer.
      const timer = setTimeout(done, ms);
      wake = done;
    });

  const drain = async (): Promise<void> => {
    // Yield first so the call that queued the record returns before any sink work starts.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (buffer.length > 0) {
      // Records that arrived while the previous batch was being written wait out the interval
      // too: under steady traffic the sink gets one large batch per interval, not a stream of
      // small ones each as long as the last write took.
      const wait = lastWrite + writeInterval - performance.now();
      if (wait >= 1 && hurry === 0 && buffer.length < maxBatch) await pause(wait);
      const batch = buffer.length <= maxBatch ? buffer : buffer.slice(0, maxBatch);
      buffer = batch === buffer ? [] : buffer.slice(maxBatch);
      lastWrite = performance.now();
      try {
        await sink.write(batch);
        written += batch.length;
      } catch (error) {
        failed += batch.length;
        logger.error({ err: error, records: batch.length }, 'audit sink failed; batch lost');
      }
    }
  };
  const schedule = (): void => {
    if (draining !== undefined) return;
    draining = drain().finally(() => {
      draining = undefined;
      if (buffer.length > 0) schedule();
    });
  };

  const enqueue = (record: AuditRecord): void => {
    if (closed || buffer.length >= maxBuffered) {
      dropped++;
      if (!warned) {
        warned = true;
        logger.warn(
          { maxBuffered, requestId: record.requestId },
          'audit buffer full: dropping records until the sink catches up (see audit.dropped)',
        );
      }
      return;
    }
    let encoded: T;
    try {
      // A JSON Lines sink builds the line of a record made here field by field (see audit-line.ts).
      if (fieldByField) encodingRecord(record);
      encoded = encode(record);
    } catch (error) {
      failed++;
      logger.error(
        { err: error, requestId: record.requestId },
        'audit sink could not encode a record; record lost',
      );
      return;
    } finally {
      encodingRecord(undefined);
    }
    buffer.push(encoded);
    if (wake !== undefined && buffer.length >= maxBatch) wake();
    schedule();
  };

  const record = (
    ctx: ToolCallContext,
    epochMs: number,
    started: number,
    classified: ClassifiedOutcome,
  ): void => {
    const entry: AuditRecord = {
      time: isoTime(epochMs),
      requestId: ctx.requestId,
      caller: ctx.auth?.subject ?? null,
      tool: ctx.name,
      outcome: classified.outcome,
      durationMs: Math.round((performance.now() - started) * 1000) / 1000,
    };
    if (ctx.auth?.clientId !== undefined) entry.clientId = ctx.auth.clientId;
    if (classified.errorType !== undefined) entry.errorCode = classified.errorType;
    if (mode === 'redact') entry.args = redact(ctx.arguments);
    else if (mode === 'hash') entry.argsHash = hash(ctx.arguments);
    if (fieldsOf !== undefined) {
      try {
        const extra = fieldsOf(ctx);
        if (extra !== undefined) entry.fields = redact(extra) as Record<string, unknown>;
      } catch (error) {
        logger.warn({ err: error, requestId: ctx.requestId, tool: ctx.name }, 'audit fields() threw');
      }
    }
    enqueue(entry);
  };

  // Promise callbacks rather than an async function: one promise per call instead of two.
  const middleware: Middleware<'tools/call'> = (ctx, next) => {
    const epochMs = Date.now();
    const started = performance.now();
    return next().then(
      (result) => {
        record(ctx, epochMs, started, classifyResult(result));
        return result;
      },
      (error: unknown) => {
        record(ctx, epochMs, started, classifyError(error));
        throw error;
      },
    );
  };

  const flush = async (): Promise<void> => {
    hurry++;
    try {
      while (draining !== undefined || buffer.length > 0) {
        if (draining === undefined) schedule();
        wake?.();
        await draining;
      }
    } finally {
      hurry--;
    }
  };

  return {
    name: 'audit',
    get dropped() {
      return dropped;
    },
    get buffered() {
      return buffer.length;
    },
    get written() {
      return written;
    },
    get failed() {
      return failed;
    },
    install(builder: ServerBuilder) {
      logger = builder.logger;
      builder.use('tools/call', middleware);
      // A graceful shutdown writes every record of the drained calls before the process stops.
      builder.onDrained('audit', flush);
    },
    flush,
    async close() {
      closed = true;
      await flush();
      await sink.close?.();
    },
  };
}
