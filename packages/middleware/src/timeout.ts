import { McpkitError, type McpMethod, type Middleware } from '@mcpkit/core';

/** Options of {@link timeout}. */
export interface TimeoutOptions {
  /** Longest time the inner layers may take, in milliseconds. Required. */
  timeoutMs: number;
}

/**
 * Bounds how long the inner layers may run: narrows `ctx.signal` so handlers can stop their work,
 * and fails the request with a retryable `UPSTREAM_TIMEOUT` when the time is up. Use per tool
 * (`use: [timeout({ timeoutMs })]`) or for all calls (`.use('tools/call', timeout({ timeoutMs }))`).
 */
export function timeout<M extends McpMethod = 'tools/call'>(options: TimeoutOptions): Middleware<M> {
  const ms = options.timeoutMs;
  if (!(ms > 0)) throw new McpkitError('VALIDATION_FAILED', 'timeout(): `timeoutMs` must be positive.');
  return async (ctx, next) => {
    const outer = ctx.signal;
    const controller = new AbortController();
    const error = new McpkitError(
      'UPSTREAM_TIMEOUT',
      `The request took longer than ${ms} ms and was stopped.`,
      {
        retryable: true,
        hint: 'Retry later, or ask for less work in one call.',
        details: { timeoutMs: ms },
      },
    );
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort(error);
        reject(error);
      }, ms);
    });
    ctx.signal = AbortSignal.any([outer, controller.signal]);
    try {
      return await Promise.race([next(), expired]);
    } finally {
      clearTimeout(timer);
      ctx.signal = outer;
    }
  };
}
