import type { Logger, Telemetry } from '@mcpkit/core';
import { systemClock } from '@mcpkit/core';
import type { CachePolicy, Loaded, Loader, Resolution } from './cache-policy.js';
import type { CacheEntry, CacheStore, StoredEntry } from './cache-store.js';
import { createInvalidationEpochs } from './invalidation-epochs.js';
import { acquireLoadLock } from './load-lock.js';
import { jsonSerializer } from './serializer.js';

/** What the resolver needs from the cache that owns it. */
export interface ResolverOptions {
  store: CacheStore;
  name: string;
  clock: () => number;
  lockTtlMs: number;
  lockWaitMs: number;
  lockPollMs: number;
  log: () => Logger;
}

/** How a load ended, and whether an invalidation since it started makes its result unfit for joiners. */
interface Outcome<T> {
  resolution: Resolution<T>;
  outdated: boolean;
}

/** A load in flight: callers for the same key join it instead of loading again. */
interface Flight {
  /** The invalidation epoch when the load started. */
  epoch: number;
  promise: Promise<Outcome<unknown>>;
}

/** How many remembered invalidations make the resolver trim those no load in flight can be outdated by. */
const FORGET_AT = 1_000;

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
  const { store, name, clock, lockTtlMs, lockWaitMs, lockPollMs, log } = options;
  const flights = new Map<string, Flight>();
  const epochs = createInvalidationEpochs();
  // The latest time this instance stamped a tag invalidation with. Stores void an entry whose tag
  // was invalidated at or after its createdAt, so a load or set that starts after a local
  // invalidation (process order proves it) but reads the same millisecond, or a clock that went
  // back, must stamp strictly later or its value would be voided the moment it is written.
  // Invalidations by other instances keep voiding anything stamped at or before their time.
  let lastTagInvalidationAt = Number.NEGATIVE_INFINITY;
  /** A createdAt for work starting now: the clock, but after every local tag invalidation so far. */
  const stamp = (): number => Math.max(clock(), lastTagInvalidationAt + 1);
  /** Records the time a local tag invalidation was stamped with. */
  const tagsInvalidatedAt = (at: number) => {
    if (at > lastTagInvalidationAt) lastTagInvalidationAt = at;
  };
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
    if (policy.ttlMs <= 0) return now;
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
    const keep = Math.max(policy.graceMs, policy.staleWhileRevalidateMs);
    const entry: CacheEntry = {
      value,
      createdAt,
      freshUntil: now + policy.ttlMs,
      staleUntil: now + policy.ttlMs + keep,
      expiresAt: systemClock.now() + policy.ttlMs + keep,
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

  const usable = (stored: StoredEntry | undefined): stored is StoredEntry =>
    stored !== undefined && !stored.invalidated && clock() < stored.entry.freshUntil;

  const load = async <T>(
    key: string,
    loader: Loader<T>,
    policy: CachePolicy,
    fallback: StoredEntry | undefined,
    events: Telemetry | undefined,
    background: boolean,
    epoch: number,
  ): Promise<Outcome<T>> => {
    let release: (() => Promise<void>) | undefined;
    if (policy.lock && store.lock) {
      // A value found in the store is as current as the read that found it.
      let readEpoch = epoch;
      const locked = await acquireLoadLock(key, {
        store,
        lockTtlMs,
        lockWaitMs,
        lockPollMs,
        read: (k) => {
          readEpoch = epochs.current();
          return read(k, events);
        },
        usable,
        failed: (error) => storeFailed('lock', error, events),
      });
      if ('landed' in locked) {
        const { entry, layer } = locked.landed;
        return {
          resolution: {
            value: entry.value as T,
            status: 'coalesced',
            layer,
            freshUntil: entry.freshUntil,
            createdAt: entry.createdAt,
          },
          outdated: epochs.changedSince(readEpoch, key, entry.tags),
        };
      }
      release = locked.release;
    }
    try {
      return await loadAndWrite(key, loader, policy, fallback, events, background);
    } finally {
      // Released only after the value is written: whoever takes the lock next finds it in the store.
      await release?.().catch((error: unknown) => storeFailed('unlock', error, events));
    }
  };

  const loadAndWrite = async <T>(
    key: string,
    loader: Loader<T>,
    policy: CachePolicy,
    fallback: StoredEntry | undefined,
    events: Telemetry | undefined,
    background: boolean,
  ): Promise<Outcome<T>> => {
    // What the loader reads reflects every invalidation made before it starts (after any wait for the lock).
    const epoch = epochs.current();
    const startedAt = stamp();
    let loaded: Loaded<T>;
    let thrown = false;
    try {
      loaded = await loader({ background });
    } catch (error) {
      thrown = true;
      loaded = { ok: false, value: undefined as T, error };
    }
    if (loaded.ok) {
      const tags = loaded.tags ?? [];
      if (epochs.changedSince(epoch, key, tags)) {
        // Invalidated while loading: the value may predate the change, so it is neither stored
        // (over the invalidation) nor shared with callers who arrived after it.
        events?.emit('cache.skipped', { ...toolField(policy), key, reason: 'invalidated' });
        const now = clock();
        return {
          resolution: { value: loaded.value, status: 'miss', freshUntil: now, createdAt: startedAt },
          outdated: true,
        };
      }
      const freshUntil = await write(key, loaded.value, tags, policy, startedAt, events);
      return {
        resolution: { value: loaded.value, status: 'miss', freshUntil, createdAt: startedAt },
        outdated: false,
      };
    }
    const now = clock();
    if (
      fallback &&
      policy.graceMs > 0 &&
      now < fallback.entry.freshUntil + policy.graceMs &&
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
        resolution: {
          value: entry.value as T,
          status: 'stale',
          layer,
          freshUntil: now,
          createdAt: entry.createdAt,
          error: loaded.error,
        },
        outdated: false,
      };
    }
    if (thrown) throw loaded.error;
    events?.emit('cache.skipped', { ...toolField(policy), key, reason: 'error' });
    return {
      resolution: { value: loaded.value, status: 'miss', freshUntil: now, createdAt: startedAt },
      outdated: false,
    };
  };

  const startFlight = <T>(
    key: string,
    loader: Loader<T>,
    policy: CachePolicy,
    fallback: StoredEntry | undefined,
    events: Telemetry | undefined,
    background: boolean,
  ): Promise<Outcome<T>> => {
    const epoch = epochs.current();
    const promise = load(key, loader, policy, fallback, events, background, epoch).finally(() => {
      if (flights.get(key) === flight) flights.delete(key);
      if (flights.size === 0) epochs.forget(undefined);
    });
    const flight: Flight = { epoch, promise };
    flights.set(key, flight);
    return promise;
  };

  /** Tells loads in flight that `keys` and `tags` changed: their results no longer serve callers who arrive later. */
  const invalidated = (keys: readonly string[], tags: readonly string[]) => {
    // With nothing in flight there is nobody to tell; remembering would only cost memory.
    if (flights.size === 0) return;
    epochs.record(keys, tags);
    // Everything is forgotten whenever no load is in flight; between those moments, trimming
    // costs a pass over the flights, so it waits until there is something worth trimming.
    if (epochs.size() < FORGET_AT) return;
    let oldest: number | undefined;
    for (const flight of flights.values())
      if (oldest === undefined || flight.epoch < oldest) oldest = flight.epoch;
    epochs.forget(oldest);
  };

  /** Tells loads in flight that anything may have changed (invalidations were missed). */
  const invalidatedAll = () => {
    if (flights.size > 0) epochs.recordAll();
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
    rejoined = false,
  ): Promise<Resolution<T>> => {
    const tool = toolField(policy);
    const stored = await read(key, events);
    const now = clock();
    if (stored && !stored.invalidated) {
      const { entry, layer } = stored;
      if (now < entry.freshUntil) return hit(stored, key, policy, events);
      if (now < entry.freshUntil + policy.staleWhileRevalidateMs && now < entry.staleUntil) {
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
    const flight = flights.get(key);
    if (flight) {
      events?.emit('cache.coalesced', { ...tool, key });
      const { resolution, outdated } = (await flight.promise) as Outcome<T>;
      // The load began before an invalidation of its key or tags: its result may predate the
      // change this caller must see, so the caller resolves again. A load found then started
      // after this caller arrived (the outdated one has left the map), so once is enough.
      if (outdated && !rejoined) return resolveSlow(key, loader, policy, events, true);
      return resolution.status === 'miss' ? { ...resolution, status: 'coalesced' } : resolution;
    }
    events?.emit('cache.miss', { ...tool, key });
    return (await startFlight(key, loader, policy, stored, events, false)).resolution;
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

  return {
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
  };
}
