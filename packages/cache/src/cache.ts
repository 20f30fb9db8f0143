import { createHash } from 'node:crypto';
import {
  type AuthIdentity,
  isInputRequired,
  McpkitError,
  type Middleware,
  type ResultOf,
  type ToolCallContext,
  type ToolResultOf,
} from '@mcpkit/core';

type CallToolResult = ResultOf<'tools/call'>;

import type { CachePolicy, LoadContext, Loaded, Resolution } from './cache-policy.js';
import { canonicalKey } from './canonical-key.js';
import type { Cache } from './create-cache.js';
import { asShared, shareableCopy } from './shared-result.js';

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
export interface CacheOptions<Args = Record<string, unknown>, Out = unknown> {
  /** How long a result is fresh, in ms. Default: the cache's `ttlMs` (60 000). */
  ttlMs?: number;
  /**
   * Who shares a cached result. `private`: only the same caller (auth subject + client id);
   * anonymous calls are then not cached. `public`: every caller. Default: `private` when the
   * request is authenticated, `public` when it is not.
   */
  scope?: 'private' | 'public';
  /** How long past `ttlMs` the last good result answers calls whose handler fails, in ms. Default: the cache's `graceMs` (0). */
  graceMs?: number;
  /** How long past `ttlMs` the old result is returned at once while the handler refreshes it in the background, in ms. Default: the cache's `staleWhileRevalidateMs` (0). */
  staleWhileRevalidateMs?: number;
  /** Tags for invalidation: fixed, or computed from the arguments and the result. Default: none. */
  tags?: readonly string[] | ((args: Args, result: ToolResultOf<Out>) => readonly string[]);
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
 * Tool middleware that caches results: `use: [cache({ ttlMs: 30_000, tags: ['docs'] })]`. The key is
 * the tool name plus the validated arguments (canonical: key order does not matter, types do),
 * partitioned by caller unless the scope is `public`. Concurrent misses for one key run the handler
 * once. Error results and oversized results are returned but never stored.
 */
export function cache<Args = Record<string, unknown>, Out = unknown>(
  options: CacheOptions<Args, Out> = {},
): Middleware<'tools/call', Args, Out> {
  // Policies depend on the cache's defaults, so they are built once per cache and tool (one
  // cache() value may be shared by several tools), not per call. The last one used is kept at
  // hand: a cache() value usually serves one tool of one cache.
  const perTool = new WeakMap<Cache, Map<string, ToolPolicy>>();
  let last: ToolPolicy | undefined;
  const policyFor = (target: Cache, tool: string): ToolPolicy => {
    if (last !== undefined && last.cache === target && last.policy.tool === tool) return last;
    let byTool = perTool.get(target);
    if (!byTool) {
      byTool = new Map();
      perTool.set(target, byTool);
    }
    let found = byTool.get(tool);
    if (!found) {
      const d = target.defaults;
      found = {
        cache: target,
        policy: {
          ttlMs: options.ttlMs ?? d.ttlMs,
          graceMs: options.graceMs ?? d.graceMs,
          staleWhileRevalidateMs: options.staleWhileRevalidateMs ?? d.staleWhileRevalidateMs,
          lock: options.lock ?? d.lock,
          maxValueBytes: options.maxValueBytes ?? d.maxValueBytes,
          graceOn: options.graceOn ?? d.graceOn,
          tool,
        },
        privatePrefix: `tool:${tool}:p:`,
        publicPrefix: `tool:${tool}:s:`,
      };
      byTool.set(tool, found);
    }
    last = found;
    return found;
  };
  const tagsOf = options.tags;
  const keyOf = options.key;
  const refreshTimeoutMs = options.refreshTimeoutMs ?? 30_000;

  const resolveSlow = async (
    ctx: ToolCallContext,
    next: () => Promise<CallToolResult>,
    target: Cache,
    policy: CachePolicy,
    key: string,
    scope: 'private' | 'public',
  ): Promise<CallToolResult> => {
    const args = ctx.args as Args;
    let ran = false;
    const loader = async ({ background }: LoadContext): Promise<Loaded<CallToolResult>> => {
      ran = true;
      // A background refresh outlives this request: its client may disconnect (aborting the
      // request's signal) without that meaning the refresh should stop. It gets a bounded signal of its own.
      if (background) ctx.signal = AbortSignal.timeout(refreshTimeoutMs);
      const result = await next();
      if (result.isError) return { ok: false, value: result, error: errorOf(result) };
      const tags = typeof tagsOf === 'function' ? tagsOf(args, result as ToolResultOf<Out>) : tagsOf;
      return { ok: true, value: shareableCopy(result), ...(tags ? { tags } : {}) };
    };

    let resolution: Resolution<CallToolResult>;
    try {
      resolution = await target.resolve(key, loader, policy, ctx.telemetry);
    } catch (error) {
      // Another caller's run asked its own client for input or was cancelled: that answer is not
      // ours to share, so this caller runs the tool itself.
      if (!ran && !ctx.signal.aborted && (isInputRequired(error) || isAbort(error))) return next();
      throw error;
    }
    const value = resolution.value;
    if (value.isError) return value;
    const now = target.now();
    const meta: CacheMeta = { status: resolution.status };
    if (resolution.status === 'stale') {
      meta.stale = true;
      meta.ageMs = Math.max(0, now - resolution.createdAt);
    }
    if (ctx.era === 'modern') {
      meta.ttlMs = Math.max(0, Math.floor(resolution.freshUntil - now));
      meta.cacheScope = scope;
    }
    return withMeta(asShared(value), meta);
  };

  const layer: Middleware<'tools/call'> = (ctx, next) => {
    // A middleware answers with a promise: a synchronous throw (no cache installed, a cyclic key)
    // becomes a rejection, as it would in an async function.
    try {
      const target = cacheOf(ctx, options.cache);
      const auth = ctx.auth;
      const scope = options.scope ?? (auth ? 'private' : 'public');
      if (scope === 'private' && !auth) {
        // No identity to partition by: sharing would leak, so anonymous calls go uncached.
        return ctx.era === 'modern' ? next().then(withBypassMeta) : next();
      }
      const { policy, privatePrefix, publicPrefix } = policyFor(target, ctx.name);
      const identity = keyOf ? keyOf(ctx.args as Args, ctx as ToolCallContext<Args>) : ctx.args;
      const key = keyFor(
        scope === 'private' ? privatePrefix : publicPrefix,
        scope === 'private' ? partitionOf(auth) : '',
        canonicalKey(identity),
      );

      // The hot path: a fresh in-process hit is answered synchronously, without a loader, a promise
      // hop per layer, or a look at the in-flight loads.
      const found = target.peek?.<CallToolResult>(key, policy, ctx.telemetry);
      if (found === undefined || found.value.isError)
        return resolveSlow(ctx, next, target, policy, key, scope);
      const value = asShared(found.value);
      if (ctx.era !== 'modern') return Promise.resolve(withMeta(value, LEGACY_HIT));
      const ttlMs = Math.max(0, Math.floor(found.freshUntil - target.now()));
      return Promise.resolve(withMeta(value, { status: 'hit', ttlMs, cacheScope: scope }));
    } catch (error) {
      return Promise.reject(error);
    }
  };
  // The layer is the same for every tool; the type parameters only type the options' callbacks.
  return layer as Middleware<'tools/call', Args, Out>;
}

/** What `cache()` keeps per cache and tool. */
interface ToolPolicy {
  cache: Cache;
  policy: CachePolicy;
  privatePrefix: string;
  publicPrefix: string;
}

/** Legacy-era hits carry no hints, so their meta never changes; frozen, it is shared. */
const LEGACY_HIT: CacheMeta = Object.freeze({ status: 'hit' });

function withBypassMeta(result: CallToolResult): CallToolResult {
  return withMeta(result, { status: 'bypass', ttlMs: 0, cacheScope: 'private' });
}

/** The partition of a private key: the caller's identity, encoded as `canonicalKey([subject, clientId ?? null])`. */
function partitionOf(auth: AuthIdentity | undefined): string {
  const subject = auth?.subject;
  const clientId = auth?.clientId;
  if (typeof subject === 'string' && (clientId === undefined || typeof clientId === 'string')) {
    return `[${JSON.stringify(subject)},${clientId === undefined ? 'null' : JSON.stringify(clientId)}]`;
  }
  return canonicalKey([subject, clientId ?? null]);
}

const MAX_RAW_KEY = 200;

/** Short keys stay readable; long ones are hashed so Redis keys stay small. The two forms are tagged apart. */
function keyFor(prefix: string, partition: string, args: string): string {
  if (partition.length + args.length <= MAX_RAW_KEY) return prefix + 'r:' + partition + '|' + args;
  return `${prefix}h:${createHash('sha256').update(partition).update('\u0000').update(args).digest('base64url')}`;
}

/** A fresh top-level result carrying `meta`; the shared (frozen) parts below it are reused. */
function withMeta(result: CallToolResult, meta: CacheMeta): CallToolResult {
  const own = result._meta;
  return {
    ...result,
    _meta: own === undefined ? { [CACHE_META_KEY]: meta } : { ...own, [CACHE_META_KEY]: meta },
  };
}
