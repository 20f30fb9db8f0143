/** How one lookup is served: freshness windows, limits, and when to fall back to a stale value. */
export interface CachePolicy {
  /** How long a value is fresh, in ms. 0 or less: never stored. */
  ttlMs: number;
  /** How long past `ttlMs` a value may stand in for a failing loader, in ms. */
  graceMs: number;
  /** How long past `ttlMs` a value is served at once while a refresh runs in the background, in ms. */
  staleWhileRevalidateMs: number;
  /** Whether to take a short Redis lock so one instance loads while others wait for its result. */
  lock: boolean;
  /** Largest value stored, in encoded bytes; larger values are returned but not cached. */
  maxValueBytes: number;
  /** Whether a failure may be answered with the grace value. */
  graceOn: (error: unknown) => boolean;
  /** Tool name for telemetry. */
  tool?: string;
}

/** What a loader produced: a value to cache (with its tags), or a failure (thrown, or a value not to cache). */
export type Loaded<T> =
  | { ok: true; value: T; tags?: readonly string[] }
  | { ok: false; value: T; error: unknown };

/** How a lookup was answered. */
export interface Resolution<T> {
  value: T;
  /** `hit`: fresh from the store; `miss`: loaded now; `coalesced`: shared another caller's load; `stale`: an older value (grace or stale-while-revalidate). */
  status: 'hit' | 'miss' | 'coalesced' | 'stale';
  /** Layer that answered a hit or stale value. */
  layer?: 'l1' | 'l2';
  /** Until when the value is fresh (cache clock, ms); equal to `now` when it was not stored or is stale. */
  freshUntil: number;
  /** When the value was produced (cache clock, ms). */
  createdAt: number;
  /** The failure a stale value stands in for (grace). */
  error?: unknown;
  /** True when a background refresh was started (stale-while-revalidate). */
  revalidating?: boolean;
}

/** How a load was started. */
export interface LoadContext {
  /** True for a stale-while-revalidate refresh: the caller already has its answer. */
  background: boolean;
}

/** Produces the value for a key; `resolve` calls it at most once per key and instance at a time. */
export type Loader<T> = (context: LoadContext) => Promise<Loaded<T>>;
