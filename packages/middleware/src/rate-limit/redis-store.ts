import { createHash } from 'node:crypto';
import { McpkitError } from '@mcpkit/core';
import type { RateLimitDecision, RateLimitRule, RateLimitStore } from './rate-limit-store.js';
import { requireRedisClient } from './require-redis-client.js';

/** The part of an ioredis client the store uses (any client with `evalsha`/`eval` of this shape works). */
export interface RedisScriptClient {
  evalsha(sha: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>;
  eval(script: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>;
}

/** Options of {@link createRedisRateLimitStore}. */
export interface RedisRateLimitStoreOptions {
  /** A connected ioredis client (shared by every instance that should share limits). */
  client: RedisScriptClient;
  /** Prefix of every key the store writes. Default: `mcpkit:ratelimit:`. */
  prefix?: string;
  /** Longest wait for Redis before the call counts as a store failure, in ms. Default: 500. */
  timeoutMs?: number;
}

// Time comes from Redis itself (TIME), so instances with skewed clocks still share one timeline.
const CLOCK = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

// Sliding-window counter: a hash of three numbers per key (window start, previous and current
// counts), whatever the limit. Mirrors consumeWindowCounter() in sliding-window-counter.ts; the
// comparisons are multiplied by the window so whole milliseconds decide exactly.
const SLIDING_WINDOW = `${CLOCK}
local key, limit, window = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2])
local state = redis.call('HMGET', key, 'start', 'previous', 'current')
local start, previous, current = tonumber(state[1]), tonumber(state[2]) or 0, tonumber(state[3]) or 0
if start == nil or now - start >= 2 * window then
  start, previous, current = now, 0, 0
elseif now - start >= window then
  start, previous, current = start + window, current, 0
end
local elapsed = math.min(window, math.max(0, now - start))
local weighted = previous * (window - elapsed)
if weighted + (current + 1) * window <= limit * window then
  current = current + 1
  redis.call('HSET', key, 'start', start, 'previous', previous, 'current', current)
  redis.call('PEXPIRE', key, 2 * window)
  local remaining = math.max(0, math.floor((limit * window - weighted) / window) - current)
  return {1, remaining, 2 * window - elapsed, 0}
end
local at = -1
if current + 1 <= limit and previous > 0 then
  at = math.ceil(window - ((limit - current - 1) * window) / previous)
end
if at < 0 or at >= window then
  local later = 0
  if current + 1 > limit then later = math.ceil(((current + 1 - limit) * window) / current) end
  at = window + later
end
local reset = 0
if current > 0 then reset = 2 * window - elapsed elseif previous > 0 then reset = window - elapsed end
return {0, 0, reset, math.max(1, at - elapsed)}`;

// Token bucket: tokens refill continuously at limit/window per ms; the hash keeps tokens and time.
const TOKEN_BUCKET = `${CLOCK}
local key, limit, window = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2])
local rate = limit / window
local state = redis.call('HMGET', key, 'tokens', 'at')
local tokens, at = tonumber(state[1]), tonumber(state[2])
if tokens == nil then tokens, at = limit, now end
tokens = math.min(limit, tokens + math.max(0, now - at) * rate)
local allowed, retry = 0, 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  retry = math.ceil((1 - tokens) / rate)
end
local reset = math.ceil((limit - tokens) / rate)
redis.call('HSET', key, 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', key, reset + 1000)
return {allowed, math.floor(tokens), reset, retry}`;

interface Script {
  source: string;
  sha: string;
}

const script = (source: string): Script => ({ source, sha: createHash('sha1').update(source).digest('hex') });
const SCRIPTS = { 'sliding-window': script(SLIDING_WINDOW), 'token-bucket': script(TOKEN_BUCKET) } as const;

/**
 * Counters in Redis, shared by every instance using the same Redis and prefix. Each decision is one
 * atomic Lua script (EVALSHA, falling back to EVAL when Redis answers NOSCRIPT), timed by Redis's
 * own clock. An unreachable or slow Redis makes `consume` reject, and the limiter's `failOpen` decides.
 */
export function createRedisRateLimitStore(options: RedisRateLimitStoreOptions): RateLimitStore {
  const prefix = options.prefix ?? 'mcpkit:ratelimit:';
  const timeoutMs = options.timeoutMs ?? 500;
  const client = options.client;

  const run = async (s: Script, key: string, args: Array<string | number>): Promise<unknown> => {
    try {
      return await client.evalsha(s.sha, 1, key, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return client.eval(s.source, 1, key, ...args);
    }
  };
  requireRedisClient(client, 'The Redis rate-limit store');

  return {
    async consume(key, rule: RateLimitRule): Promise<RateLimitDecision> {
      const s = SCRIPTS[rule.algorithm];
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new McpkitError('UPSTREAM_TIMEOUT', `Redis did not answer within ${timeoutMs} ms.`)),
          timeoutMs,
        );
      });
      try {
        const reply = (await Promise.race([
          run(s, `${prefix}${rule.algorithm}:${key}`, [rule.limit, rule.windowMs]),
          timeout,
        ])) as [number, number, number, number];
        const [allowed, remaining, resetMs, retryAfterMs] = reply.map(Number) as [
          number,
          number,
          number,
          number,
        ];
        return { allowed: allowed === 1, limit: rule.limit, remaining, resetMs, retryAfterMs };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
