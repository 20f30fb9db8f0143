import { type Clock, clockNow } from '@mcpkit/core';
import type { RateLimitDecision, RateLimitRule, RateLimitStore } from './rate-limit-store.js';
import { consumeWindowCounter, newWindowCounter, type WindowCounter } from './sliding-window-counter.js';

/** Options of {@link createMemoryRateLimitStore}. */
export interface MemoryRateLimitStoreOptions {
  /** Clock in ms (tests inject one). Default: `clock`'s. */
  now?: () => number;
  /** The clock read when `now` is not given (see `Clock`). Default: `systemClock`. */
  clock?: Clock;
  /** Most keys kept; the least recently used are dropped beyond it. Default: 10 000. */
  maxKeys?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

type Entry = Bucket | WindowCounter;
const isBucket = (entry: Entry): entry is Bucket => 'tokens' in entry;

// Lets this package's tests look at a key's stored state; deliberately not exported from the package.
const entriesOf = new WeakMap<RateLimitStore, ReadonlyMap<string, Entry>>();

/**
 * Counters in this process's memory: right for one instance or for per-instance limits. Token
 * buckets refill continuously; sliding windows keep two counters per key. Either way a key costs a
 * few numbers, whatever the limit.
 */
export function createMemoryRateLimitStore(options: MemoryRateLimitStoreOptions = {}): RateLimitStore {
  const now = clockNow(options);
  const maxKeys = options.maxKeys ?? 10_000;
  // A Map iterates in insertion order: re-inserting on use makes the first key the least recent.
  const entries = new Map<string, Entry>();
  // The key used last is already the most recent one: a busy single caller skips the re-insert.
  let last: string | undefined;
  let lastEntry: Entry | undefined;
  const touch = <T extends Entry>(key: string, value: T): T => {
    if (key === last && value === lastEntry) return value;
    entries.delete(key);
    entries.set(key, value);
    if (entries.size > maxKeys) entries.delete(entries.keys().next().value as string);
    last = key;
    lastEntry = value;
    return value;
  };

  const tokenBucket = (key: string, rule: RateLimitRule, t: number): RateLimitDecision => {
    const rate = rule.limit / rule.windowMs;
    const held = entries.get(key);
    const bucket = held && isBucket(held) ? held : { tokens: rule.limit, at: t };
    bucket.tokens = Math.min(rule.limit, bucket.tokens + Math.max(0, t - bucket.at) * rate);
    bucket.at = t;
    touch(key, bucket);
    const allowed = bucket.tokens >= 1;
    if (allowed) bucket.tokens -= 1;
    return {
      allowed,
      limit: rule.limit,
      remaining: Math.floor(bucket.tokens),
      resetMs: Math.ceil((rule.limit - bucket.tokens) / rate),
      retryAfterMs: allowed ? 0 : Math.ceil((1 - bucket.tokens) / rate),
    };
  };

  const slidingWindow = (key: string, rule: RateLimitRule, t: number): RateLimitDecision => {
    const held = entries.get(key);
    const counter = held && !isBucket(held) ? held : newWindowCounter(t);
    touch(key, counter);
    return consumeWindowCounter(counter, rule, t);
  };

  const store: RateLimitStore = {
    // Synchronous: the counters are right here, so the limiter's hot path stays promise-free.
    consume(key, rule) {
      const t = now();
      return rule.algorithm === 'token-bucket' ? tokenBucket(key, rule, t) : slidingWindow(key, rule, t);
    },
  };
  entriesOf.set(store, entries);
  return store;
}

/** The state a {@link createMemoryRateLimitStore} holds for `key` (internal: for this package's tests only). */
export function memoryStoreEntry(store: RateLimitStore, key: string): Readonly<Entry> | undefined {
  return entriesOf.get(store)?.get(key);
}
