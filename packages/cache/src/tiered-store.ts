import type {
  CacheEntry,
  CacheStore,
  CacheStoreEvent,
  CacheStoreHealth,
  StoredEntry,
} from './cache-store.js';
import type { CacheBus, CacheBusMessage } from './redis-bus.js';

/** The release of a lock that was not taken. */
const noLock = async (): Promise<void> => {};

/** Options of {@link createTieredCacheStore}. */
export interface TieredCacheStoreOptions {
  /**
   * Carries writes and invalidations to the other instances so they evict their L1 copies. Without
   * one, each instance's L1 may serve a value other instances replaced, until its own ttl ends.
   * Default: none.
   */
  bus?: CacheBus;
  /**
   * While L2 is down, how often it is probed (one probe at a time), in ms: in the background, so
   * the invalidations kept meanwhile reach L2 even if this instance serves nothing. Default: 1000.
   */
  probeIntervalMs?: number;
  /** Most deletes, tag invalidations and undelivered bus messages remembered while L2 is down, replayed on recovery. Default: 10 000. */
  maxPending?: number;
  /** Name in logs and health details. Default: `tiered`. */
  name?: string;
}

/**
 * Two layers: a fast in-process L1 in front of a shared L2 (usually `createMemoryCacheStore()` over
 * `createRedisCacheStore()`). Reads try L1, then L2 (filling L1); writes go to both and tell other instances
 * through the bus. When L2 fails, the store falls back to L1 alone, reports `degraded` once, probes
 * L2 in the background (and at once when the bus reconnects), and on recovery replays the deletes
 * and invalidations it kept and clears L1 (it may have missed other instances' invalidations meanwhile).
 */
export function createTieredCacheStore(
  l1: CacheStore,
  l2: CacheStore,
  options: TieredCacheStoreOptions = {},
): CacheStore {
  const name = options.name ?? 'tiered';
  const bus = options.bus;
  const probeIntervalMs = options.probeIntervalMs ?? 1000;
  const maxPending = options.maxPending ?? 10_000;
  const listeners = new Set<(event: CacheStoreEvent) => void>();
  let down: { since: number; error: unknown } | undefined;
  let lastProbe = 0;
  let probing: Promise<void> | undefined;
  let probeTimer: NodeJS.Timeout | undefined;
  let closed = false;
  let dropped = 0;
  // Counts evictions (heard on the bus, or made here), so a read of L2 that raced one does not
  // refill L1 with the old value.
  let evictions = 0;

  const report = (event: CacheStoreEvent) => {
    for (const listener of listeners) listener(event);
  };

  const fail = (operation: string, error: unknown) => {
    report({ type: 'error', store: name, operation, error });
    if (down) return;
    down = { since: Date.now(), error };
    lastProbe = Date.now();
    report({ type: 'degraded', store: name, error });
    scheduleProbe();
  };

  // Probing on requests alone would leave an idle instance's pending invalidations unreplayed,
  // and other instances serving what they voided, until it next served a call.
  const scheduleProbe = () => {
    if (probeTimer || closed || !down) return;
    probeTimer = setTimeout(() => {
      probeTimer = undefined;
      void probe().finally(scheduleProbe);
    }, probeIntervalMs);
    probeTimer.unref?.();
  };

  const pendingKeys = new Set<string>();
  const pendingTags = new Map<string, number>();
  // Changes that reached L2 but whose bus message failed: other instances' L1s still hold the old values.
  const unheardKeys = new Set<string>();
  const unheardTags = new Map<string, number>();
  const pendingCount = () => pendingKeys.size + pendingTags.size + unheardKeys.size + unheardTags.size;

  const keep = (keySet: Set<string>, tagMap: Map<string, number>, message: CacheBusMessage) => {
    for (const key of message.keys ?? []) {
      if (keySet.has(key)) continue;
      if (pendingCount() >= maxPending) dropped++;
      else keySet.add(key);
    }
    const at = message.at ?? 0;
    for (const tag of message.tags ?? []) {
      const known = tagMap.get(tag);
      if (known !== undefined) tagMap.set(tag, Math.max(known, at));
      else if (pendingCount() >= maxPending) dropped++;
      else tagMap.set(tag, at);
    }
  };

  const remember = (keys: readonly string[], tags: readonly string[], at: number) =>
    keep(pendingKeys, pendingTags, { keys, tags, at });

  const publish = (message: CacheBusMessage) => {
    if (!bus) return Promise.resolve();
    return bus.publish(message).catch((error: unknown) => {
      keep(unheardKeys, unheardTags, message);
      fail('publish', error);
    });
  };

  const recover = async () => {
    const replayedKeys = new Set<string>();
    const replayedTags = new Map<string, number>();
    // What an operation remembers while the replay runs is replayed too, before `down` clears:
    // afterwards nothing would look at it again.
    for (let round = 0; pendingKeys.size + pendingTags.size > 0; round++) {
      if (round === 5) throw new Error('invalidations kept arriving faster than they could be replayed');
      const keys = [...pendingKeys];
      const tags = [...pendingTags];
      if (keys.length > 0) await l2.delete(keys);
      for (const [tag, at] of tags) await l2.invalidateTags([tag], at);
      for (const key of keys) {
        pendingKeys.delete(key);
        replayedKeys.add(key);
      }
      for (const [tag, at] of tags) {
        if (pendingTags.get(tag) === at) pendingTags.delete(tag);
        replayedTags.set(tag, Math.max(at, replayedTags.get(tag) ?? 0));
      }
    }
    if (!down) return;
    const downMs = Date.now() - down.since;
    down = undefined;
    if (dropped > 0) {
      report({
        type: 'error',
        store: name,
        operation: 'replay',
        error: new Error(`${dropped} invalidations made while L2 was down could not be kept`),
      });
      dropped = 0;
    }
    // Other instances may have invalidated what this L1 holds while we could not hear them.
    evictions++;
    await l1.clear();
    for (const key of unheardKeys) replayedKeys.add(key);
    for (const [tag, at] of unheardTags) replayedTags.set(tag, Math.max(at, replayedTags.get(tag) ?? 0));
    unheardKeys.clear();
    unheardTags.clear();
    if (replayedKeys.size > 0 || replayedTags.size > 0) {
      // One message; tags invalidated at different times are all sent at the latest, which voids
      // at least as much on the receivers.
      const at = Math.max(0, ...replayedTags.values());
      await publish({ keys: [...replayedKeys], tags: [...replayedTags.keys()], at });
    }
    report({ type: 'recovered', store: name, downMs });
  };

  const probe = (): Promise<void> => {
    if (!down) return Promise.resolve();
    probing ??= (async () => {
      lastProbe = Date.now();
      const health = await l2.check();
      if (health.healthy) await recover();
    })()
      .catch(() => {
        // Still down; the next probe tries again.
      })
      .finally(() => {
        probing = undefined;
      });
    return probing;
  };

  const maybeProbe = () => {
    if (down && Date.now() - lastProbe >= probeIntervalMs) void probe();
  };

  const started = bus
    ?.start({
      message(message) {
        const keys = message.keys ?? [];
        const tags = message.tags ?? [];
        if (keys.length > 0) {
          evictions++;
          void l1.delete(keys);
        }
        if (tags.length > 0) void l1.invalidateTags(tags, message.at ?? Date.now());
        report({ type: 'invalidated', store: name, keys, tags, all: false });
      },
      reconnected() {
        evictions++;
        void l1.clear();
        report({ type: 'invalidated', store: name, keys: [], tags: [], all: true });
        // The bus reaching Redis again is the earliest sign that L2 may be back.
        void probe();
      },
    })
    .catch(() => {});

  return {
    name,
    peek(key) {
      if (!l1.peek || !(bus === undefined || bus.connected || down !== undefined)) return undefined;
      const local = l1.peek(key);
      return local && !local.invalidated ? local : undefined;
    },
    async get(key): Promise<StoredEntry | undefined> {
      // L1 is trustworthy only while we hear other instances' invalidations, or when it is all we have.
      const useL1 = bus === undefined || bus.connected || down !== undefined;
      const local = useL1 ? await l1.get(key) : undefined;
      if (local && !local.invalidated) return local;
      if (down) {
        maybeProbe();
        return local ?? (useL1 ? undefined : await l1.get(key));
      }
      try {
        const heard = evictions;
        const remote = await l2.get(key);
        if (remote === undefined) return local;
        if (!remote.invalidated && heard === evictions) await l1.set(key, remote.entry);
        return remote;
      } catch (error) {
        fail('get', error);
        return local ?? (useL1 ? undefined : await l1.get(key));
      }
    },
    async set(key, entry: CacheEntry) {
      // A read of L2 in flight must not refill L1 with the value this replaces.
      evictions++;
      await l1.set(key, entry);
      if (down) {
        maybeProbe();
        return;
      }
      try {
        await l2.set(key, entry);
      } catch (error) {
        fail('set', error);
        return;
      }
      void publish({ keys: [key] });
    },
    async delete(keys) {
      evictions++;
      await l1.delete(keys);
      if (down) {
        remember(keys, [], 0);
        maybeProbe();
        return;
      }
      try {
        await l2.delete(keys);
      } catch (error) {
        fail('delete', error);
        remember(keys, [], 0);
        return;
      }
      await publish({ keys });
    },
    async invalidateTags(tags, at) {
      await l1.invalidateTags(tags, at);
      if (down) {
        remember([], tags, at);
        maybeProbe();
        return;
      }
      try {
        await l2.invalidateTags(tags, at);
      } catch (error) {
        fail('invalidate', error);
        remember([], tags, at);
        return;
      }
      await publish({ tags, at });
    },
    clear() {
      return l1.clear();
    },
    async lock(key, ttlMs) {
      // No shared lock to take: the caller loads at once rather than wait for a holder that is not there.
      if (down || !l2.lock) return noLock;
      try {
        return await l2.lock(key, ttlMs);
      } catch (error) {
        fail('lock', error);
        return noLock;
      }
    },
    async ready() {
      await l1.ready?.();
      await l2.ready?.();
      await started;
    },
    async check(): Promise<CacheStoreHealth> {
      if (down) await probe();
      const remote = down ? undefined : await l2.check();
      if (remote && !remote.healthy) fail('check', new Error(String(remote.details.error ?? 'L2 unhealthy')));
      const details: Record<string, unknown> = {
        l2: down ? 'down' : 'up',
        ...(remote ? { l2Details: remote.details } : {}),
        ...(bus ? { bus: bus.connected ? 'subscribed' : 'disconnected' } : {}),
      };
      if (down) {
        details.downSince = new Date(down.since).toISOString();
        details.error = down.error instanceof Error ? down.error.message : String(down.error);
        details.pendingInvalidations = pendingCount();
      }
      return { healthy: !down, details };
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      closed = true;
      clearTimeout(probeTimer);
      probeTimer = undefined;
      await bus?.close();
      await l1.close();
      await l2.close();
    },
  };
}
