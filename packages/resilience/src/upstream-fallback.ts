import type { BaseContext, McpkitError } from '@mcpkit/core';

/** What a fallback learns about the call it answers for. */
export interface UpstreamFallbackCall {
  /** The upstream's name. */
  readonly upstream: string;
  /** HTTP method, upper-case. */
  readonly method: string;
  /** The path as the caller gave it, without the query string. */
  readonly path: string;
  /** The MCP request context, when the call had one. */
  readonly ctx: BaseContext | undefined;
}

/**
 * Answers a failed upstream call instead of its coded error: returns the data the caller gets
 * (a cached copy, a safe default), or `undefined` to let the error through (decide by
 * `error.code`). Runs after retries are spent and the failure is logged; never for a caller who
 * has gone (its signal aborted).
 */
export type UpstreamFallback = (error: McpkitError, call: UpstreamFallbackCall) => unknown;
