import { createHash } from 'node:crypto';
import {
  type AuthIdentity,
  clientAddressOf,
  type EdgeDecision,
  type EdgeGuard,
  HttpRefusal,
  type Logger,
  McpkitError,
  type McpMethod,
  type Middleware,
  type Plugin,
  type Telemetry,
} from '@mcpkit/core';
import { createMemoryRateLimitStore } from './memory-store.js';
import type { RateLimitAlgorithm, RateLimitDecision, RateLimitStore } from './rate-limit-store.js';
import { StoreOutage } from './store-outage.js';

declare module '@mcpkit/core' {
  interface TelemetryEvents {
    /** The rate-limit store failed; `served` tells whether the request went ahead (fail-open). */
    'ratelimit.unavailable': { name: string; served: boolean };
  }
}

/** What a custom key function sees of a request (in middleware and at the HTTP edge alike). */
export interface RateLimitRequest {
  /** The verified caller (at the edge: the identity an earlier auth guard decided). */
  readonly auth: AuthIdentity | undefined;
  /** A stable caller key: the verified subject, else (edge only) a hash of the presented credential. */
  readonly caller: string | undefined;
  /** JSON-RPC method, when known. */
  readonly method: string | undefined;
  /** Tool/prompt name or resource URI, when known. */
  readonly name: string | undefined;
  /**
   * The client's address as core reads it (`ctx.clientAddress`: the peer's, or from the right of
   * `X-Forwarded-For` past the proxies the server's `trustProxy` trusts); undefined on stdio.
   */
  readonly ip: string | undefined;
  readonly headers: Readonly<Record<string, string | undefined>>;
}

/** How requests are grouped into counters; a function returning undefined exempts the request. */
export type RateLimitBy =
  | 'caller'
  | 'tool'
  | 'caller+tool'
  | 'ip'
  | ((req: RateLimitRequest) => string | undefined);

/** Options of {@link rateLimit}. */
export interface RateLimitOptions {
  /** Requests allowed per window. Required. */
  limit: number;
  /** Window length in milliseconds. Required. */
  windowMs: number;
  /** Counter grouping. Default: `caller` (anonymous callers share the key `anonymous`, or their IP at the edge). */
  by?: RateLimitBy;
  /**
   * Counting algorithm. Default: `sliding-window` (a sliding-window counter: two fixed-window counts
   * per key, the previous one weighted by its overlap; O(1) memory and work per key; never more than
   * `limit` within one fixed window).
   */
  algorithm?: RateLimitAlgorithm;
  /** Where counters live. Default: a fresh {@link createMemoryRateLimitStore} (per process). */
  store?: RateLimitStore;
  /** When the store fails: true serves the request unlimited, false refuses it with `UPSTREAM_UNAVAILABLE`; either way one warning when failures start, one line when the store answers again, and a `ratelimit.unavailable` event per failure. Default: false. */
  failOpen?: boolean;
  /** Refuse whole HTTP requests at the edge (429 with `Retry-After` and `RateLimit-*` headers) instead of in middleware. Default: false. */
  edge?: boolean;
  /** Methods limited in middleware mode. Default: every method that runs through middleware. */
  methods?: readonly McpMethod[];
  /** Namespace of this limiter's keys and its name in telemetry. Default: `rateLimit`. */
  name?: string;
  /**
   * @deprecated Set `trustProxy` on `.serve()` / `.fetchHandler()` instead, which every part of mcpkit
   * reads. `true` trusts exactly one proxy: the IP is the last `X-Forwarded-For` hop (the one that
   * proxy appended), never the first, which the client writes. Default: false.
   */
  trustForwardedFor?: boolean;
}

/** A rate limiter: install it with `.use(limiter)`, or put `limiter.middleware()` in a tool's `use:`. */
export interface RateLimiter extends Plugin {
  /** The limiter as a middleware (for one tool's `use:` or a method scope). */
  middleware<M extends McpMethod = 'tools/call'>(): Middleware<M>;
}

/**
 * Limits how often callers may call: per caller, tool, caller and tool, IP or a custom key; token
 * bucket or sliding-window counter; memory or Redis counters. A refused tool call becomes a
 * `RATE_LIMITED` tool error with `retryAfterMs`; other methods get a JSON-RPC error; in edge mode
 * the whole HTTP request gets 429.
 */
export function rateLimit(options: RateLimitOptions): RateLimiter {
  if (!(options.limit >= 1) || !(options.windowMs >= 1)) {
    throw new McpkitError('VALIDATION_FAILED', 'rateLimit(): `limit` and `windowMs` must be at least 1.');
  }
  const name = options.name ?? 'rateLimit';
  const rule = {
    limit: options.limit,
    windowMs: options.windowMs,
    algorithm: options.algorithm ?? 'sliding-window',
  };
  const store = options.store ?? createMemoryRateLimitStore();
  const failOpen = options.failOpen ?? false;
  const by = options.by ?? 'caller';

  const keyOf = (req: RateLimitRequest): string | undefined => {
    if (typeof by === 'function') return by(req);
    return builtInKey(req.caller, req.ip, req.method, req.name);
  };
  const builtInKey = (
    callerKey: string | undefined,
    ip: string | undefined,
    method: string | undefined,
    target: string | undefined,
  ): string => {
    if (by === 'ip') return `ip:${ip ?? 'unknown'}`;
    const caller = callerKey ?? (ip !== undefined ? `ip:${ip}` : 'anonymous');
    if (by === 'caller') return caller;
    const scope = method === 'tools/call' ? `tool:${target}` : `method:${method ?? 'http'}`;
    return by === 'tool' ? scope : `${caller}|${scope}`;
  };

  // Store keys of verified callers, built once per subject: the hot path of `by: 'caller'` then
  // hands the store the same flat string every time instead of concatenating (and re-hashing) it.
  const callerKeys = new Map<string, string>();
  const storeKeyOfCaller = (subject: string): string => {
    let key = callerKeys.get(subject);
    if (key === undefined) {
      if (callerKeys.size >= MAX_CACHED_CALLERS) callerKeys.clear();
      key = `${name}:caller:${subject}`;
      callerKeys.set(subject, key);
    }
    return key;
  };

  const outage = new StoreOutage(name, failOpen);

  const judge = (
    key: string,
    decision: RateLimitDecision,
    telemetry: Telemetry,
    logs: LoggerSource,
    epoch: number,
  ): RateLimitDecision => {
    outage.answered(epoch, telemetry, () => logs.logger);
    if (decision.allowed) return decision;
    telemetry.emit('ratelimit.rejected', { key, retryAfterMs: decision.retryAfterMs });
    throw new McpkitError(
      'RATE_LIMITED',
      `Rate limit exceeded: ${rule.limit} requests per ${rule.windowMs} ms.`,
      {
        retryAfterMs: decision.retryAfterMs,
        hint: `Wait ${Math.ceil(decision.retryAfterMs / 1000)} s before retrying.`,
        details: { limit: rule.limit, windowMs: rule.windowMs },
      },
    );
  };
  const unavailable = (
    error: unknown,
    telemetry: Telemetry,
    logs: LoggerSource,
    epoch: number,
  ): undefined => {
    // One line when the outage starts and one when it ends; each failure in between is counted.
    outage.failed(epoch, error, telemetry, () => logs.logger);
    if (failOpen) return undefined;
    throw new McpkitError(
      'UPSTREAM_UNAVAILABLE',
      'Rate limiting is unavailable, so the request was refused.',
      {
        retryAfterMs: 1_000,
        hint: 'Retry shortly.',
        cause: error,
      },
    );
  };

  /**
   * Takes one unit under `key` (already namespaced); undefined when served fail-open. Synchronous
   * when the store answers synchronously (the memory store), so the common path allocates no promise.
   */
  const consume = (key: string, telemetry: Telemetry, logs: LoggerSource): Checked => {
    let answer: RateLimitDecision | PromiseLike<RateLimitDecision>;
    const epoch = outage.epoch;
    try {
      answer = store.consume(key, rule);
    } catch (error) {
      return unavailable(error, telemetry, logs, epoch);
    }
    if (isPromiseLike(answer)) {
      return Promise.resolve(answer).then(
        (decision) => judge(key, decision, telemetry, logs, epoch),
        (error: unknown) => unavailable(error, telemetry, logs, epoch),
      );
    }
    return judge(key, answer, telemetry, logs, epoch);
  };

  /** Takes one unit for `req`; undefined when the request is exempt or served fail-open. */
  const check = (req: RateLimitRequest, telemetry: Telemetry, logs: LoggerSource): Checked => {
    const key = keyOf(req);
    return key === undefined ? undefined : consume(`${name}:${key}`, telemetry, logs);
  };

  const methods = options.methods ? new Set<string>(options.methods) : undefined;
  // One rule for client addresses, core's; the deprecated option only asks it to trust one proxy.
  const ipOf = (
    peer: { readonly remoteAddress: string | undefined; readonly clientAddress: string | undefined },
    headers: Readonly<Record<string, string | undefined>>,
  ) =>
    options.trustForwardedFor
      ? clientAddressOf(peer.remoteAddress, headers['x-forwarded-for'], 1)
      : (peer.clientAddress ?? peer.remoteAddress);
  const middleware: Middleware = (ctx, next) => {
    if (methods && !methods.has(ctx.method)) return next();
    let checked: Checked;
    try {
      if (by === 'caller' && ctx.auth !== undefined) {
        // The common case needs neither the request view nor a key string built per request.
        checked = consume(storeKeyOfCaller(ctx.auth.subject), ctx.telemetry, ctx);
      } else {
        checked = check(
          {
            auth: ctx.auth,
            caller: ctx.auth ? `caller:${ctx.auth.subject}` : undefined,
            method: ctx.method,
            name: ctx.name,
            ip: ipOf(ctx, ctx.headers),
            headers: ctx.headers,
          },
          ctx.telemetry,
          ctx,
        );
      }
    } catch (error) {
      return Promise.reject(error);
    }
    return isPromiseLike(checked) ? checked.then(() => next()) : next();
  };

  const limiter: RateLimiter = {
    name,
    install(builder) {
      if (!options.edge) {
        builder.use(middleware);
        return;
      }
      const refuse = (error: unknown): never => {
        if (error instanceof McpkitError && error.code === 'RATE_LIMITED') {
          const headers = rateLimitHeaders(
            {
              allowed: false,
              limit: rule.limit,
              remaining: 0,
              resetMs: error.retryAfterMs ?? 0,
              retryAfterMs: 0,
            },
            rule.windowMs,
          );
          throw new HttpRefusal(error, { headers });
        }
        throw error;
      };
      const admitted = (decision: RateLimitDecision | undefined): EdgeDecision | undefined =>
        decision ? { headers: rateLimitHeaders(decision, rule.windowMs) } : undefined;
      const guard: EdgeGuard = (req, decided) => {
        let checked: Checked;
        try {
          // Keyed by the verified caller when an auth guard ran first, else by the credential's hash.
          const auth = decided?.auth;
          checked = check(
            {
              auth,
              caller: auth ? `caller:${auth.subject}` : credentialKey(req.headers),
              method: req.rpcMethod,
              name: req.rpcName,
              ip: ipOf(req, req.headers),
              headers: req.headers,
            },
            builder.telemetry,
            builder,
          );
        } catch (error) {
          return refuse(error);
        }
        return isPromiseLike(checked) ? checked.then(admitted, refuse) : admitted(checked);
      };
      builder.guard(guard);
    },
    middleware: <M extends McpMethod>() => middleware as unknown as Middleware<M>,
  };
  return limiter;
}

/**
 * Where a failure is logged: the request context or the builder. Read only on failure, because
 * `ctx.logger` makes a child logger on first access.
 */
interface LoggerSource {
  readonly logger: Logger;
}

/** A limiter's verdict: the decision, undefined when exempt or served fail-open, or a promise of either. */
type Checked = RateLimitDecision | undefined | Promise<RateLimitDecision | undefined>;

/** Distinct caller subjects whose store keys are kept ready; the cache starts over past it. */
const MAX_CACHED_CALLERS = 10_000;

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | undefined)?.then === 'function';
}

/** `RateLimit-*` response headers (IETF httpapi draft names; reset in delta-seconds). */
export function rateLimitHeaders(decision: RateLimitDecision, windowMs: number): Record<string, string> {
  return {
    'ratelimit-limit': String(decision.limit),
    'ratelimit-remaining': String(Math.max(0, decision.remaining)),
    'ratelimit-reset': String(Math.max(0, Math.ceil(decision.resetMs / 1000))),
    'ratelimit-policy': `${decision.limit};w=${Math.ceil(windowMs / 1000)}`,
  };
}

/** A caller key from the presented credential: its hash, so the raw token is never a key. */
function credentialKey(headers: Readonly<Record<string, string | undefined>>): string | undefined {
  const credential = headers.authorization ?? headers['x-api-key'];
  if (credential === undefined || credential === '') return undefined;
  return `cred:${createHash('sha256').update(credential).digest('base64url').slice(0, 22)}`;
}
