import type { BaseContext } from '@mcpkit/core';

const TRACEPARENT = /^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/;

/**
 * The W3C `traceparent` of a request: from `params._meta.traceparent` (how MCP carries it), else
 * from the `traceparent` HTTP header. Malformed values are dropped rather than forwarded.
 */
export function traceparentOf(ctx: BaseContext): string | undefined {
  const meta = ctx.params._meta as Record<string, unknown> | undefined;
  const candidate = typeof meta?.traceparent === 'string' ? meta.traceparent : ctx.headers.traceparent;
  if (candidate === undefined) return undefined;
  const value = candidate.trim().toLowerCase();
  return TRACEPARENT.test(value) ? value : undefined;
}
