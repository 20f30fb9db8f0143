import {
  type CacheBus,
  type CacheBusListener,
  type CacheBusMessage,
  type CacheEntry,
  type CacheStore,
  type CacheStoreEvent,
  createCache,
  createMemoryCacheStore,
  createTieredCacheStore,
} from '@mcpkit/cache';
import { McpkitError } from '@mcpkit/core';
import { afterEach, describe, expect, it, vi } from 'vitest';

/** An L2 that can be switched off, standing in for a shared store that becomes unreachable. */
function switchableStore(): CacheStore & { up: boolean } {
  const inner = createMemoryCacheStore({ name: 'shared' });
  const guard =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      if (!store.up) throw new McpkitError('UPSTREAM_UNAVAILABLE', 'shared store is down');
      return fn(...args);
    };
  const store: CacheStore & { up: boolean } = {
    ...inner,
    name: 'shared',
    up: true,
    get: guard(async (key: string) => {
      const found = await inner.get(key);
      return found && { ...found, layer: 'l2' as const };
    }),
    set: guard((key: string, entry: CacheEntry) => inner.set(key, entry)),
    delete: guard((keys: readonly string[]) => inner.delete(keys)),
    invalidateTags: guard((tags: readonly string[], at: number) => inner.invalidateTags(tags, at)),
    async check() {
      return { healthy: store.up, details: {} };
    },
  };
  return store;
}

/** A bus whose publishing can be made to fail; it records what reached the other instances. */
function recordingBus(): CacheBus & {
  failing: boolean;
  sent: CacheBusMessage[];
  listener?: CacheBusListener;
} {
  const bus: CacheBus & { failing: boolean; sent: CacheBusMessage[]; listener?: CacheBusListener } = {
    failing: false,
    sent: [],
    connected: true,
    async start(listener) {
      bus.listener = listener;
    },
    async publish(message) {
      if (bus.failing) throw new McpkitError('UPSTREAM_UNAVAILABLE', 'bus is down');
      bus.sent.push(message);
    },
    async close() {},
  };
  return bus;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('createTieredCacheStore', () => {
  it('fills L1 from L2 on a read', async () => {
    const shared = switchableStore();
    const l1a = createMemoryCacheStore();
    const a = createCache({ store: createTieredCacheStore(createMemoryCacheStore(), shared) });
    const b = createCache({ store: createTieredCacheStore(l1a, shared) });
    await a.set('k', 'v');
    expect(await b.get('k')).toBe('v');
    expect((await l1a.get('data:k'))?.entry.value).toBe('v');
  });

  it('falls back to L1 when L2 fails, reports once, replays invalidations and clears L1 on recovery', async () => {
    const shared = switchableStore();
    const l1 = createMemoryCacheStore();
    const store = createTieredCacheStore(l1, shared, { probeIntervalMs: 0 });
    const events: CacheStoreEvent['type'][] = [];
    store.subscribe((event) => events.push(event.type));
    let now = 1_000;
    const cache = createCache({ store, clock: () => now });
    await cache.set('kept', 'v', { tags: ['t'] });

    shared.up = false;
    expect(await cache.get('kept')).toBe('v');
    expect(await cache.getOrSet('new', () => 'loaded')).toBe('loaded');
    now += 1;
    await cache.invalidateTags(['t']);
    expect(await store.check()).toMatchObject({
      healthy: false,
      details: { l2: 'down', pendingInvalidations: 1 },
    });
    expect(events.filter((e) => e === 'degraded')).toHaveLength(1);

    shared.up = true;
    expect(await store.check()).toMatchObject({ healthy: true, details: { l2: 'up' } });
    expect(events.at(-1)).toBe('recovered');
    // The invalidation made during the outage reached L2, and L1 starts over.
    expect((await shared.get('data:kept'))?.invalidated).toBe(true);
    expect(await l1.get('data:new')).toBeUndefined();
  });

  it('replays what it kept in the background while idle, once L2 is reachable again', async () => {
    vi.useFakeTimers();
    const shared = switchableStore();
    const store = createTieredCacheStore(createMemoryCacheStore(), shared, { probeIntervalMs: 100 });
    let now = 1_000;
    const cache = createCache({ store, clock: () => now });
    await cache.set('kept', 'v', { tags: ['t'] });
    shared.up = false;
    now += 1;
    await cache.invalidateTags(['t']);
    shared.up = true;
    // Nothing calls the cache from here on.
    await vi.advanceTimersByTimeAsync(100);
    expect((await shared.get('data:kept'))?.invalidated).toBe(true);
    await store.close();
  });

  it('replays an invalidation made while the replay was running', async () => {
    const shared = switchableStore();
    let gate: Promise<void> | undefined;
    const invalidate = shared.invalidateTags;
    shared.invalidateTags = async (tags, at) => {
      await gate;
      return invalidate(tags, at);
    };
    const store = createTieredCacheStore(createMemoryCacheStore(), shared, { probeIntervalMs: 60_000 });
    let now = 1_000;
    const cache = createCache({ store, clock: () => now });
    await cache.set('one', 1, { tags: ['t1'] });
    await cache.set('two', 2, { tags: ['t2'] });
    shared.up = false;
    now += 1;
    await cache.invalidateTags(['t1']);
    shared.up = true;
    let open!: () => void;
    gate = new Promise((resolve) => {
      open = resolve;
    });
    const recovering = store.check();
    await new Promise((resolve) => setImmediate(resolve));
    // Still down while the replay waits on L2: this one is kept, and must not be left behind.
    await cache.invalidateTags(['t2']);
    open();
    expect(await recovering).toMatchObject({ healthy: true });
    expect((await shared.get('data:one'))?.invalidated).toBe(true);
    expect((await shared.get('data:two'))?.invalidated).toBe(true);
    await store.close();
  });

  it('tells the other instances about a change whose bus message failed, once it can', async () => {
    const shared = switchableStore();
    const bus = recordingBus();
    const store = createTieredCacheStore(createMemoryCacheStore(), shared, { bus, probeIntervalMs: 60_000 });
    const cache = createCache({ store });
    await cache.ready();
    bus.failing = true;
    await cache.invalidateTags(['t']);
    expect(bus.sent).toEqual([]);
    bus.failing = false;
    expect(await store.check()).toMatchObject({ healthy: true });
    expect(bus.sent).toEqual([expect.objectContaining({ tags: ['t'] })]);
    await store.close();
  });

  it('loads at once with lock: true while L2 is down, instead of waiting for a lock holder', async () => {
    const shared = switchableStore();
    const cache = createCache({
      store: createTieredCacheStore(createMemoryCacheStore(), shared, { probeIntervalMs: 60_000 }),
      lock: true,
      lockWaitMs: 10_000,
    });
    shared.up = false;
    await cache.getOrSet('before', () => 'x');
    const raced = await Promise.race([
      cache.getOrSet('k', () => 'loaded'),
      new Promise((resolve) => setTimeout(resolve, 1_000, 'still waiting')),
    ]);
    expect(raced).toBe('loaded');
    await cache.close();
  });

  it('does not refill L1 with a value deleted while it was being read from L2', async () => {
    const shared = switchableStore();
    const l1 = createMemoryCacheStore();
    const store = createTieredCacheStore(l1, shared);
    const cache = createCache({ store });
    await shared.set('data:k', {
      value: 'old',
      createdAt: 0,
      freshUntil: Number.MAX_SAFE_INTEGER,
      staleUntil: Number.MAX_SAFE_INTEGER,
      expiresAt: Date.now() + 60_000,
      tags: [],
      size: 3,
    });
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const get = shared.get;
    shared.get = async (key) => {
      const found = await get(key);
      await gate;
      return found;
    };
    const reading = cache.get('k');
    await new Promise((resolve) => setImmediate(resolve));
    await cache.delete('k');
    open();
    await reading;
    expect(await l1.get('data:k')).toBeUndefined();
  });
});
