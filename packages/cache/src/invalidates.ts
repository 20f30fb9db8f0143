import type { Middleware, ToolResultOf } from '@mcpkit/core';
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
export function invalidates<Args = Record<string, unknown>, Out = unknown>(
  tags: readonly string[] | ((args: Args, result: ToolResultOf<Out>) => readonly string[]),
  options: InvalidatesOptions = {},
): Middleware<'tools/call', Args, Out> {
  const layer: Middleware<'tools/call'> = async (ctx, next) => {
    const target = cacheOf(ctx, options.cache);
    const result = await next();
    if (result.isError) return result;
    const list = typeof tags === 'function' ? tags(ctx.args as Args, result as ToolResultOf<Out>) : tags;
    await target.invalidateTags(list, ctx.telemetry);
    return result;
  };
  return layer as Middleware<'tools/call', Args, Out>;
}
