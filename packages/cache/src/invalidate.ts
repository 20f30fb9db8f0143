import type { BaseContext } from '@mcpkit/core';
import { cacheOf } from './cache.js';

/**
 * Voids cached values tagged with any of `tags`, on every instance, from inside a handler:
 * `await invalidate(ctx, ['invoices'])`. Uses the cache installed with `.use(cache)`; a store
 * failure is logged and reported, never thrown.
 */
export function invalidate(ctx: BaseContext, tags: readonly string[]): Promise<void> {
  return cacheOf(ctx).invalidateTags(tags, ctx.telemetry);
}
