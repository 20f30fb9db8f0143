import type { Middleware, ResultOf } from '@mcpkit/core';

type CallToolResult = ResultOf<'tools/call'>;

import { cacheOf } from './cache.js';
import type { Cache } from './create-cache.js';

/** Options of {@link invalidates}. */
export interface InvalidatesOptions {
  /** The cache to invalidate. Default: the one installed with `.use(cache)`. */
  cache?: Cache;
}

/**
 * Tool middleware for mutating tools: after the handler succeeds (not on an error result), voids
 * the given tags on every instance before the result is returned, so the caller's next read sees
 * fresh data. `use: [invalidates((args) => [`invoice:${args.id}`])]`.
 */
export function invalidates<Args = Record<string, unknown>>(
  tags: readonly string[] | ((args: Args, result: CallToolResult) => readonly string[]),
  options: InvalidatesOptions = {},
): Middleware<'tools/call'> {
  return async (ctx, next) => {
    const target = cacheOf(ctx, options.cache);
    const result = await next();
    if (result.isError) return result;
    const list = typeof tags === 'function' ? tags(ctx.args as Args, result) : tags;
    await target.invalidateTags(list, ctx.telemetry);
    return result;
  };
}
