import {
  type Clock,
  clockNow,
  type HealthCheckResult,
  type Logger,
  type Plugin,
  type ServerBuilder,
  silentLogger,
  type Telemetry,
} from '@mcpkit/core';
import type { CachePolicy, Loader, Resolution } from './cache-policy.js';
import type { CacheStore, CacheStoreEvent } from './cache-store.js';
import { createInvalidationReplay } from './invalidation-replay.js';
import { createMemoryCacheStore } from './memory-store.js';
import { createResolver } from './resolver.js';

declare module '@mcpkit/core' {
  interface ContextState {
    /** The cache installed with `.use(cache)`; handlers reach it here (or through `invalidate(ctx, tags)`). */
    cache: Cache;
  }
  interface TelemetryEvents {
    'cache.degraded': { store: string; error: unknown };
    'cache.recovered': { store: string; downMs: number };
    'cache.skipped': { tool?: string; key: string; reason: 'error' | 'oversize' | 'invalidated' };
  }
}

/** Options of {@link Cache.getOrSet} and {@link Cache.set}. */
export interface SetOptions<T> {
  /** Freshness in ms. Default: the cache's `ttlMs`. */
  ttlMs?: number;
  /** Grace in ms. Default: the cache's `graceMs`. */
  graceMs?: number;
  /** Stale-while-revalidate window in ms. Default: the cache's `staleWhileRevalidateMs`. */
  staleWhileRevalidateMs?: number;
  /** Tags for invalidation, fixed or computed from the value. Default: none. */
  tags?: readonly string[] | ((value: T) => readonly string[]);
  /** Take a cross-instance lock while loading (needs a Redis-backed store). Default: the cache's `lock`. */
  lock?: boolean;
}

/** Options of {@link createCache}. */
export interface CreateCacheOptions {
  /** Where entries live. Default: `createMemoryCacheStore()` (one process). */
  store?: CacheStore;
  /** Name of the readiness check and of log lines. Default: `cache`. */
  name?: string;
  /** Default freshness, in ms. Default: 60 000. */
  ttlMs?: number;
  /** Default grace, in ms. Default: 0 (failures are never answered from the cache). */
  graceMs?: number;
  /** Default stale-while-revalidate window, in ms. Default: 0. */
  staleWhileRevalidateMs?: number;
  /** Largest value stored, in encoded bytes. Default: 1 MiB. */
  maxValueBytes?: number;
  /** Cross-instance load lock by default. Default: false (single-flight within each instance only). */
  lock?: boolean;
  /** How long a load lock is held at most, in ms. Default: 5 000. */
  lockTtlMs?: number;
  /** How long a caller waits for another instance's load before loading itself, in ms. Default: 2 000. */
  lockWaitMs?: number;
  /** While another instance holds the load lock, how often a caller retries it and looks for the value, in ms. Default: 10. */
  lockPollMs?: number;
  /**
   * When the store refuses a delete or tag invalidation (throws, as a bare `createRedisCacheStore` does while
   * Redis is away), how often the cache retries it in the background, in ms. Default: 1 000.
   */
  replayIntervalMs?: number;
  /** Which failures grace may answer. Default: upstream, circuit, rate-limit and internal failures, and anything marked retryable. */
  graceOn?: (error: unknown) => boolean;
  /**
   * What readiness reports while the shared store is down: `report` keeps the check healthy and
   * says `degraded` in its details (the cache still serves from L1); `fail` makes it unhealthy.
   * Default: `report`.
   */
  readiness?: 'report' | 'fail';
  /**
   * Clock for freshness and tag invalidation: a `Clock` (see `@mcpkit/core`) or a function of ms.
   * Default: `systemClock`.
   */
  clock?: Clock | (() => number);
  /** Logger. Default: the server's logger once installed with `.use()`, else silent. */
  logger?: Logger;
  /** Telemetry channel for `cache.*` events. Default: the server's once installed with `.use()`. */
  telemetry?: Telemetry;
}

/** A cache: a data API for handlers, the engine behind `cache()`, and a plugin for `.use()`. */
export interface Cache extends Plugin {
  /** Returns the cached value for `key`, or runs `loader` once (concurrent callers share it) and caches its result. */
  getOrSet<T>(key: string, loader: () => Promise<T> | T, options?: SetOptions<T>): Promise<T>;
  /** Returns the fresh value for `key`, or undefined. */
  get<T>(key: string): Promise<T | undefined>;
  /** Stores a value. */
  set<T>(key: string, value: T, options?: SetOptions<T>): Promise<void>;
  /** Removes keys on every instance. */
  delete(...keys: string[]): Promise<void>;
  /** Voids every value tagged with one of `tags`, on every instance. Never throws for a store failure. */
  invalidateTags(tags: readonly string[], telemetry?: Telemetry): Promise<void>;
  /**
   * The engine under `getOrSet` and `cache()`: answers from the store or runs `loader` (once per
   * key and instance at a time) and reports how it answered. Keys are used as given.
   */
  resolve<T>(
    key: string,
    loader: Loader<T>,
    policy: CachePolicy,
    telemetry?: Telemetry,
  ): Promise<Resolution<T>>;
  /**
   * The synchronous hot path of `resolve`: a fresh hit from the store's in-process layer (emitting
   * `cache.hit`), or undefined when `resolve` has to run. Never loads, never waits, never touches
   * in-flight loads. Optional, so hand-written caches (test doubles) need not provide it.
   */
  peek?<T>(key: string, policy: CachePolicy, telemetry?: Telemetry): Resolution<T> | undefined;
  /** The defaults policies start from. */
  readonly defaults: Readonly<Omit<CachePolicy, 'tool'>>;
  /** The cache clock, in ms. */
  now(): number;
  /** Readiness: healthy, or degraded with details. */
  check(): Promise<HealthCheckResult>;
  /** Resolves once the store is fully connected. */
  ready(): Promise<void>;
  /** Closes what the store opened (never clients you passed in). */
  close(): Promise<void>;
}

const GRACEFUL_CODES = new Set([
  'UPSTREAM_TIMEOUT',
  'UPSTREAM_UNAVAILABLE',
  'UPSTREAM_ERROR',
  'CIRCUIT_OPEN',
  'RATE_LIMITED',
  'INTERNAL',
]);

/** The default `graceOn`: failures of the source, not answers about the request (NOT_FOUND, FORBIDDEN …). */
function defaultGraceOn(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return true;
  const { code, retryable } = error as { code?: unknown; retryable?: unknown };
  if (retryable === true) return true;
  return typeof code !== 'string' || GRACEFUL_CODES.has(code);
}

/** Creates a cache over a store. Install it with `.use(cache)` to get readiness, telemetry and `ctx.state.cache`. */
export function createCache(options: CreateCacheOptions = {}): Cache {
  const store = options.store ?? createMemoryCacheStore();
  const name = options.name ?? 'cache';
  const clock = typeof options.clock === 'function' ? options.clock : clockNow({ clock: options.clock });
  let logger: Logger | undefined = options.logger;
  let telemetry: Telemetry | undefined = options.telemetry;
  const defaults: Omit<CachePolicy, 'tool'> = {
    ttlMs: options.ttlMs ?? 60_000,
    graceMs: options.graceMs ?? 0,
    staleWhileRevalidateMs: options.staleWhileRevalidateMs ?? 0,
    lock: options.lock ?? false,
    maxValueBytes: options.maxValueBytes ?? 1024 * 1024,
    graceOn: options.graceOn ?? defaultGraceOn,
  };

  const log = () => logger ?? silentLogger;

  const {
    resolve,
    peek,
    read,
    write,
    stamp,
    storeFailed,
    storeWorked,
    invalidated,
    invalidatedAll,
    tagsInvalidatedAt,
  } = createResolver({
    store,
    name,
    clock,
    lockTtlMs: options.lockTtlMs ?? 5_000,
    lockWaitMs: options.lockWaitMs ?? 2_000,
    lockPollMs: options.lockPollMs ?? 10,
    log,
  });

  const replay = createInvalidationReplay({
    store,
    intervalMs: options.replayIntervalMs ?? 1_000,
    maxPending: 10_000,
    failed: (operation, error) => storeFailed(operation, error, telemetry),
  });

  store.subscribe((event: CacheStoreEvent) => {
    if (event.type === 'invalidated') {
      if (event.all) invalidatedAll();
      else invalidated(event.keys, event.tags);
    } else if (event.type === 'error') {
      telemetry?.emit('cache.error', { operation: `${event.store}.${event.operation}`, error: event.error });
    } else if (event.type === 'degraded') {
      telemetry?.emit('cache.degraded', { store: event.store, error: event.error });
      log().warn(
        { err: event.error, cache: name, store: event.store },
        'shared cache store unreachable; serving from the in-process layer until it returns',
      );
    } else {
      // Loads that began during the outage may have missed other instances' invalidations.
      invalidatedAll();
      telemetry?.emit('cache.recovered', { store: event.store, downMs: event.downMs });
      log().info({ cache: name, store: event.store, downMs: event.downMs }, 'shared cache store recovered');
    }
  });

  const cache: Cache = {
    name,
    defaults,
    now: clock,
    resolve<T>(
      key: string,
      loader: Loader<T>,
      policy: CachePolicy,
      events: Telemetry | undefined = telemetry,
    ): Promise<Resolution<T>> {
      return resolve(key, loader, policy, events);
    },
    peek<T>(key: string, policy: CachePolicy, events: Telemetry | undefined = telemetry) {
      return peek<T>(key, policy, events);
    },
    async getOrSet<T>(key: string, loader: () => Promise<T> | T, opts: SetOptions<T> = {}): Promise<T> {
      const resolution = await cache.resolve<T>(
        `data:${key}`,
        async () => {
          const value = await loader();
          const tags = typeof opts.tags === 'function' ? opts.tags(value) : opts.tags;
          return { ok: true, value, ...(tags ? { tags } : {}) };
        },
        policyFrom(opts),
      );
      return resolution.value;
    },
    async get<T>(key: string): Promise<T | undefined> {
      const stored = await read(`data:${key}`, telemetry);
      if (!stored || stored.invalidated || clock() >= stored.entry.freshUntil) return undefined;
      return stored.entry.value as T;
    },
    async set<T>(key: string, value: T, opts: SetOptions<T> = {}): Promise<void> {
      const tags = typeof opts.tags === 'function' ? opts.tags(value) : (opts.tags ?? []);
      // A load of this key in flight must not overwrite the value set here with an older one.
      invalidated([`data:${key}`], []);
      await write(`data:${key}`, value, tags, policyFrom(opts), stamp(), telemetry);
    },
    async delete(...keys: string[]): Promise<void> {
      const storeKeys = keys.map((key) => `data:${key}`);
      invalidated(storeKeys, []);
      try {
        await store.delete(storeKeys);
      } catch (error) {
        storeFailed('delete', error, telemetry);
        replay.keep(storeKeys, [], 0);
      }
    },
    async invalidateTags(tags: readonly string[], events: Telemetry | undefined = telemetry): Promise<void> {
      if (tags.length === 0) return;
      // Before the store: a caller arriving once this returns must not join a load from before it.
      invalidated([], tags);
      const at = clock();
      tagsInvalidatedAt(at);
      try {
        await store.invalidateTags(tags, at);
        storeWorked();
      } catch (error) {
        storeFailed('invalidate', error, events);
        replay.keep([], tags, at);
      }
      events?.emit('cache.invalidated', { tags });
    },
    async check(): Promise<HealthCheckResult> {
      const health = await store.check();
      const waiting = replay.pending();
      const details = {
        store: store.name,
        ...health.details,
        ...(waiting > 0 ? { unreplayed: waiting } : {}),
      };
      if (health.healthy) return { healthy: true, details: { status: 'ok', ...details } };
      return { healthy: options.readiness !== 'fail', details: { status: 'degraded', ...details } };
    },
    async ready() {
      await store.ready?.();
    },
    close() {
      replay.close();
      return store.close();
    },
    install(builder: ServerBuilder) {
      telemetry ??= builder.telemetry;
      logger ??= builder.logger;
      builder.use((ctx, next) => {
        ctx.state.cache = cache;
        return next();
      });
      builder.health(name, () => cache.check());
    },
  };

  function policyFrom<T>(opts: SetOptions<T>): CachePolicy {
    return {
      ...defaults,
      ...(opts.ttlMs !== undefined ? { ttlMs: opts.ttlMs } : {}),
      ...(opts.graceMs !== undefined ? { graceMs: opts.graceMs } : {}),
      ...(opts.staleWhileRevalidateMs !== undefined
        ? { staleWhileRevalidateMs: opts.staleWhileRevalidateMs }
        : {}),
      ...(opts.lock !== undefined ? { lock: opts.lock } : {}),
    };
  }

  return cache;
}
