import { McpkitError, type McpMethod, type Middleware } from '@mcpkit/core';

/** Options of {@link concurrency}. */
export interface ConcurrencyOptions {
  /** Requests allowed to run at once. Required. */
  max: number;
  /** Requests allowed to wait for a slot; more are refused. Default: 0. */
  queue?: number;
  /** Name in telemetry (`bulkhead.rejected`) and errors. Default: `concurrency`. */
  name?: string;
}

/**
 * Bounds how many requests run at once, with a bounded FIFO queue behind them. A request that
 * finds both full is refused with a retryable `RATE_LIMITED`; a queued request whose client
 * cancels leaves the queue. One instance is one shared limit: per tool in `use:`, global in `.use()`.
 */
export function concurrency<M extends McpMethod = 'tools/call'>(options: ConcurrencyOptions): Middleware<M> {
  const max = options.max;
  const queueSize = options.queue ?? 0;
  const name = options.name ?? 'concurrency';
  if (!(max >= 1) || !(queueSize >= 0)) {
    throw new McpkitError('VALIDATION_FAILED', 'concurrency(): `max` must be ≥ 1 and `queue` ≥ 0.');
  }
  let running = 0;
  const waiting: Array<() => void> = [];

  const release = () => {
    const wake = waiting.shift();
    // The slot passes straight to the next waiter, so `running` stays the same.
    if (wake) wake();
    else running--;
  };

  const acquire = (signal: AbortSignal): Promise<void> => {
    if (running < max) {
      running++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const wake = () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        const at = waiting.indexOf(wake);
        if (at !== -1) waiting.splice(at, 1);
        reject(signal.reason);
      };
      waiting.push(wake);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  };

  return async (ctx, next) => {
    if (running >= max && waiting.length >= queueSize) {
      ctx.telemetry.emit('bulkhead.rejected', { name });
      throw new McpkitError(
        'RATE_LIMITED',
        `Too many concurrent requests (${max} running, ${queueSize} queued).`,
        {
          retryable: true,
          hint: 'Retry in a moment.',
          details: { max, queue: queueSize },
        },
      );
    }
    await acquire(ctx.signal);
    try {
      return await next();
    } finally {
      release();
    }
  };
}
