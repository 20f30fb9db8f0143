import { createHash } from 'node:crypto';
import {
  isInputRequired,
  McpkitError,
  type Middleware,
  type ResultOf,
  type ToolCallContext,
} from '@mcpkit/core';

type CallToolResult = ResultOf<'tools/call'>;

import type { CachePolicy, LoadContext, Loaded, Resolution } from './cache-policy.js';
import { canonicalKey } from './canonical-key.js';
import type { Cache } from './create-cache.js';

/** The `_meta` key under which cached tool results describe how they were served. */
export const CACHE_META_KEY = 'io.mcpkit/cache';

/** What a tool result carries under `_meta["io.mcpkit/cache"]`. */
export interface CacheMeta {
  /** `hit`, `miss`, `coalesced` (shared a concurrent call's run), `stale`, or `bypass` (not cacheable for this caller). */
  status: Resolution<unknown>['status'] | 'bypass';
  /** True when the value is older than its ttl: the handler failed (grace) or a refresh is running. */
  stale?: true;
  /** Age of a stale value, in ms. */
  ageMs?: number;
  /** Modern era: how much longer the client may reuse this result, in ms (SEP-2549 semantics). */
  ttlMs?: number;
  /** Modern era: who may reuse it: `private` (this caller only) or `public` (any caller). */
  cacheScope?: 'private' | 'public';
}

/** Options of {@link cache}. */
export interface CacheOptions<Args = Record<string, unknown>> {
  /** How long a result is fresh, in ms. Default: the cache's `ttl` (60 000). */
  ttl?: number;
  /**
   * Who shares a cached result. `private`: only the same caller (auth subject + client id);
   * anonymous calls are then not cached. `public`: every caller. Default: `private` when the
   * request is authenticated, `public` when it is not.
   */
  scope?: 'private' | 'public';
  /** How long past `ttl` the last good result answers calls whose handler fails, in ms. Default: the cache's `grace` (0). */
  grace?: number;
  /** How long past `ttl` the old result is returned at once while the handler refreshes it in the background, in ms. Default: the cache's (0). */
  staleWhileRevalidate?: number;
  /** Tags for invalidation: fixed, or computed from the arguments and the result. Default: none. */
  tags?: readonly string[] | ((args: Args, result: CallToolResult) => readonly string[]);
  /** What identifies a call, instead of the whole validated arguments (e.g. drop a paging hint). Default: the validated arguments. */
  key?: (args: Args, ctx: ToolCallContext<Args>) => unknown;
  /** Largest result stored, in encoded bytes. Default: the cache's `maxValueBytes` (1 MiB). */
  maxValueBytes?: number;
  /** Take a cross-instance lock on a miss so one instance runs the handler. Default: the cache's `lock` (false). */
  lock?: boolean;
  /** Which failures grace may answer. Default: the cache's `graceOn`. */
  graceOn?: (error: unknown) => boolean;
  /** How long a background refresh (stale-while-revalidate) may run before its signal aborts, in ms. Default: 30 000. */
  refreshTimeoutMs?: number;
  /** The cache to use. Default: the one installed with `.use(cache)` (`ctx.state.cache`). */
  cache?: Cache;
}

/** Reads the coded error out of an `isError` result, so grace can judge it like a thrown one. */
function errorOf(result: CallToolResult): unknown {
  const structured = result.structuredContent as { error?: unknown } | undefined;
  return structured?.error ?? new McpkitError('INTERNAL', 'The tool returned an error result.');
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}

/** Finds the cache a tool call should use, or explains how to install one. */
export function cacheOf(ctx: { state: { cache?: Cache } }, explicit?: Cache): Cache {
  const found = explicit ?? ctx.state.cache;
  if (!found) {
    throw new McpkitError('INTERNAL', 'No cache is installed on this server.', {
      hint: 'Create one with createCache({ store }) and install it with .use(cache), or pass cache() a cache.',
    });
  }
  return found;
}

/**
 * Tool middleware that caches results: `use: [cache({ ttl: 30_000, tags: ['docs'] })]`. The key is
 * the tool name plus the validated arguments (canonical: key order does not matter, types do),
 * partitioned by caller unless the scope is `public`. Concurrent misses for one key run the handler
 * once. Error results and oversized results are returned but never stored.
 */
export function cache<Args = Record<string, unknown>>(
  options: CacheOptions<Args> = {},
): Middleware<'tools/call'> {
  // Policies depend on the cache's defaults, so they are built once per cache and tool (one
  // cache() value may be shared by several tools), not per call.
  const policies = new WeakMap<Cache, Map<string, CachePolicy>>();
  const policyFor = (target: Cache, tool: string): CachePolicy => {
    let byTool = policies.get(target);
    if (!byTool) {
      byTool = new Map();
      policies.set(target, byTool);
    }
    let policy = byTool.get(tool);
    if (!policy) {
      const d = target.defaults;
      policy = {
        ttl: options.ttl ?? d.ttl,
        grace: options.grace ?? d.grace,
        staleWhileRevalidate: options.staleWhileRevalidate ?? d.staleWhileRevalidate,
        lock: options.lock ?? d.lock,
        maxValueBytes: options.maxValueBytes ?? d.maxValueBytes,
        graceOn: options.graceOn ?? d.graceOn,
        tool,
      };
      byTool.set(tool, policy);
    }
    return policy;
  };
  const tagsOf = options.tags;
  const refreshTimeoutMs = options.refreshTimeoutMs ?? 30_000;

  return async (ctx, next) => {
    const target = cacheOf(ctx, options.cache);
    const scope = options.scope ?? (ctx.auth ? 'private' : 'public');
    const modern = ctx.era === 'modern';
    if (scope === 'private' && !ctx.auth) {
      // No identity to partition by: sharing would leak, so anonymous calls go uncached.
      const result = await next();
      return modern ? withMeta(result, { status: 'bypass', ttlMs: 0, cacheScope: 'private' }) : result;
    }
    const args = ctx.args as Args;
    const identity = options.key ? options.key(args, ctx as ToolCallContext<Args>) : args;
    const partition =
      scope === 'private' ? canonicalKey([ctx.auth?.subject, ctx.auth?.clientId ?? null]) : '';
    const key = `tool:${ctx.name}:${scope === 'private' ? 'p' : 's'}:${keyPart(partition, canonicalKey(identity))}`;

    let ran = false;
    const loader = async ({ background }: LoadContext): Promise<Loaded<CallToolResult>> => {
      ran = true;
      // A background refresh outlives this request: its client may disconnect (aborting the
      // request's signal) without that meaning the refresh should stop. It gets a bounded signal of its own.
      if (background) ctx.signal = AbortSignal.timeout(refreshTimeoutMs);
      const result = await next();
      if (result.isError) return { ok: false, value: result, error: errorOf(result) };
      const tags = typeof tagsOf === 'function' ? tagsOf(args, result) : tagsOf;
      return { ok: true, value: result, ...(tags ? { tags } : {}) };
    };

    let resolution: Resolution<CallToolResult>;
    try {
      resolution = await target.resolve(key, loader, policyFor(target, ctx.name), ctx.telemetry);
    } catch (error) {
      // Another caller's run asked its own client for input or was cancelled: that answer is not
      // ours to share, so this caller runs the tool itself.
      if (!ran && !ctx.signal.aborted && (isInputRequired(error) || isAbort(error))) return next();
      throw error;
    }
    const { value } = resolution;
    if (value.isError) return value;
    const now = target.now();
    const meta: CacheMeta = { status: resolution.status };
    if (resolution.status === 'stale') {
      meta.stale = true;
      meta.ageMs = Math.max(0, now - resolution.createdAt);
    }
    if (modern) {
      meta.ttlMs = Math.max(0, Math.floor(resolution.freshUntil - now));
      meta.cacheScope = scope;
    }
    return withMeta(value, meta);
  };
}

const MAX_RAW_KEY = 200;

/** Short keys stay readable; long ones are hashed so Redis keys stay small. The two forms are tagged apart. */
function keyPart(partition: string, args: string): string {
  if (partition.length + args.length <= MAX_RAW_KEY) return `r:${partition}|${args}`;
  return `h:${createHash('sha256').update(partition).update('\u0000').update(args).digest('base64url')}`;
}

function withMeta(result: CallToolResult, meta: CacheMeta): CallToolResult {
  return { ...result, _meta: { ...result._meta, [CACHE_META_KEY]: meta } };
}
