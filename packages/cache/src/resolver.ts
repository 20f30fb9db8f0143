import type { Logger, Telemetry } from '@mcpkit/core';
import type { CachePolicy, Loaded, Loader, Resolution } from './cache-policy.js';
import type { CacheEntry, CacheStore, StoredEntry } from './cache-store.js';
import { jsonSerializer } from './serializer.js';

/** What the resolver needs from the cache that owns it. */
export interface ResolverOptions {
  store: CacheStore;
  name: string;
  clock: () => number;
  lockTtlMs: number;
  lockWaitMs: number;
  log: () => Logger;
}

/** The `tool` field of a telemetry event or log line: present only for tool-result caching. */
function toolField(policy: CachePolicy): { tool?: string } {
  return policy.tool ? { tool: policy.tool } : {};
}

/**
 * The engine of a cache: answers a key from the store or runs its loader once per key and
 * instance (single-flight), optionally behind a cross-instance lock, and falls back to stale
 * values for grace and stale-while-revalidate. Store failures never escape it.
 */
export function createResolver(options: ResolverOptions) {
  const { store, name, clock, lockTtlMs, lockWaitMs, log } = options;
  const flights = new Map<string, Promise<Resolution<unknown>>>();
  // Set while a plain (untiered) store keeps failing, so the failure is logged once, not per call.
  let failing = false;

  const storeFailed = (operation: string, error: unknown, events: Telemetry | undefined) => {
    events?.emit('cache.error', { operation, error });
    if (!failing) {
      failing = true;
      log().warn({ err: error, cache: name, operation }, 'cache store failed; serving without it');
    }
  };
  const storeWorked = () => {
    if (failing) {
      failing = false;
      log().info({ cache: name }, 'cache store works again');
    }
  };

  const read = async (key: string, events: Telemetry | undefined): Promise<StoredEntry | undefined> => {
    try {
      const stored = await store.get(key);
      storeWorked();
      return stored;
    } catch (error) {
      storeFailed('get', error, events);
      return undefined;
    }
  };

  const write = async <T>(
    key: string,
    value: T,
    tags: readonly string[],
    policy: CachePolicy,
    createdAt: number,
    events: Telemetry | undefined,
  ): Promise<number> => {
    const now = clock();
    if (policy.ttl <= 0) return now;
    let size: number;
    try {
      size = jsonSerializer.encode(value).byteLength;
    } catch (error) {
      storeFailed('encode', error, events);
      return now;
    }
    if (size > policy.maxValueBytes) {
      events?.emit('cache.skipped', {
        ...toolField(policy),
        key,
        reason: 'oversize',
      });
      return now;
    }
    const keep = Math.max(policy.grace, policy.staleWhileRevalidate);
    const entry: CacheEntry = {
      value,
      createdAt,
      freshUntil: now + policy.ttl,
      staleUntil: now + policy.ttl + keep,
      expiresAt: Date.now() + policy.ttl + keep,
      tags,
      size,
    };
    try {
      await store.set(key, entry);
      storeWorked();
    } catch (error) {
      storeFailed('set', error, events);
    }
    return entry.freshUntil;
  };

  /** Waits for another instance's load to land in the store; undefined when it does not in time. */
  const awaitOtherInstance = async (key: string, events: Telemetry | undefined) => {
    const deadline = Date.now() + lockWaitMs;
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      const stored = await read(key, events);
      if (stored && !stored.invalidated && clock() < stored.entry.freshUntil) return stored;
    }
    return undefined;
  };

  const load = async <T>(
    key: string,
    loader: Loader<T>,
    policy: CachePolicy,
    fallback: StoredEntry | undefined,
    events: Telemetry | undefined,
    background: boolean,
  ): Promise<Resolution<T>> => {
    let release: (() => Promise<void>) | undefined;
    if (policy.lock && store.lock) {
      try {
        release = await store.lock(key, lockTtlMs);
      } catch (error) {
        storeFailed('lock', error, events);
      }
      if (!release) {
        const landed = await awaitOtherInstance(key, events);
        if (landed) {
          const { entry, layer } = landed;
          return {
            value: entry.value as T,
            status: 'coalesced',
            layer,
            freshUntil: entry.freshUntil,
            createdAt: entry.createdAt,
          };
        }
      }
    }
    const startedAt = clock();
    let loaded: Loaded<T>;
    let thrown = false;
    try {
      loaded = await loader({ background });
    } catch (error) {
      thrown = true;
      loaded = { ok: false, value: undefined as T, error };
    } finally {
      release?.().catch((error: unknown) => storeFailed('unlock', error, events));
    }
    if (loaded.ok) {
      const freshUntil = await write(key, loaded.value, loaded.tags ?? [], policy, startedAt, events);
      return { value: loaded.value, status: 'miss', freshUntil, createdAt: startedAt };
    }
    const now = clock();
    if (
      fallback &&
      policy.grace > 0 &&
      now < fallback.entry.freshUntil + policy.grace &&
      policy.graceOn(loaded.error)
    ) {
      const tool = toolField(policy);
      events?.emit('cache.stale', { ...tool, key });
      log().warn(
        { err: loaded.error, cache: name, key, ...tool },
        'loader failed; serving the last good value',
      );
      const { entry, layer } = fallback;
      return {
        value: entry.value as T,
        status: 'stale',
        layer,
        freshUntil: now,
        createdAt: entry.createdAt,
        error: loaded.error,
      };
    }
    if (thrown) throw loaded.error;
    events?.emit('cache.skipped', { ...toolField(policy), key, reason: 'error' });
    return { value: loaded.value, status: 'miss', freshUntil: now, createdAt: startedAt };
  };

  const startFlight = <T>(
    key: string,
    loader: Loader<T>,
    policy: CachePolicy,
    fallback: StoredEntry | undefined,
    events: Telemetry | undefined,
    background: boolean,
  ): Promise<Resolution<T>> => {
    const flight = load(key, loader, policy, fallback, events, background).finally(() => {
      if (flights.get(key) === flight) flights.delete(key);
    });
    flights.set(key, flight);
    return flight;
  };

  const hit = <T>(
    stored: StoredEntry,
    key: string,
    policy: CachePolicy,
    events: Telemetry | undefined,
  ): Resolution<T> => {
    const { entry, layer } = stored;
    if (events?.has('cache.hit')) {
      events.emit('cache.hit', { ...toolField(policy), key, layer });
    }
    return {
      value: entry.value as T,
      status: 'hit',
      layer,
      freshUntil: entry.freshUntil,
      createdAt: entry.createdAt,
    };
  };

  const resolveSlow = async <T>(
    key: string,
    loader: Loader<T>,
    policy: CachePolicy,
    events: Telemetry | undefined,
  ): Promise<Resolution<T>> => {
    const tool = toolField(policy);
    const stored = await read(key, events);
    const now = clock();
    if (stored && !stored.invalidated) {
      const { entry, layer } = stored;
      if (now < entry.freshUntil) return hit(stored, key, policy, events);
      if (now < entry.freshUntil + policy.staleWhileRevalidate && now < entry.staleUntil) {
        events?.emit('cache.stale', { ...tool, key });
        if (!flights.has(key)) {
          startFlight(key, loader, policy, stored, events, true).catch((error: unknown) => {
            events?.emit('cache.error', { operation: 'revalidate', error });
            log().warn({ err: error, cache: name, key, ...tool }, 'background refresh failed');
          });
        }
        return {
          value: entry.value as T,
          status: 'stale',
          layer,
          freshUntil: now,
          createdAt: entry.createdAt,
          revalidating: true,
        };
      }
    }
    const flight = flights.get(key) as Promise<Resolution<T>> | undefined;
    if (flight) {
      events?.emit('cache.coalesced', { ...tool, key });
      const shared = await flight;
      return shared.status === 'miss' ? { ...shared, status: 'coalesced' } : shared;
    }
    events?.emit('cache.miss', { ...tool, key });
    return startFlight(key, loader, policy, stored, events, false);
  };

  /** A fresh in-process hit for `key`, answered synchronously; undefined when the slow path must run. */
  const peek = <T>(
    key: string,
    policy: CachePolicy,
    events: Telemetry | undefined,
  ): Resolution<T> | undefined => {
    const peeked = store.peek?.(key);
    if (peeked === undefined || peeked.invalidated || clock() >= peeked.entry.freshUntil) return undefined;
    return hit<T>(peeked, key, policy, events);
  };

  /** Answers `key` from the store, or runs `loader` (shared by concurrent callers) and stores its result. */
  const resolve = <T>(
    key: string,
    loader: Loader<T>,
    policy: CachePolicy,
    events: Telemetry | undefined,
  ): Promise<Resolution<T>> => {
    // A fresh in-process hit is answered without a promise hop per layer: it is the hot path.
    const found = peek<T>(key, policy, events);
    return found ? Promise.resolve(found) : resolveSlow(key, loader, policy, events);
  };

  return { resolve, peek, read, write, storeFailed, storeWorked };
}
