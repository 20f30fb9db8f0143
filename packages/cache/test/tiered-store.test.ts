import {
  type CacheEntry,
  type CacheStore,
  createCache,
  memoryStore,
  type StoreEvent,
  tieredStore,
} from '@mcpkit/cache';
import { McpkitError } from '@mcpkit/core';
import { describe, expect, it } from 'vitest';

/** An L2 that can be switched off, standing in for a shared store that becomes unreachable. */
function switchableStore(): CacheStore & { up: boolean } {
  const inner = memoryStore({ name: 'shared' });
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

describe('tieredStore', () => {
  it('fills L1 from L2 on a read', async () => {
    const shared = switchableStore();
    const l1a = memoryStore();
    const a = createCache({ store: tieredStore(memoryStore(), shared) });
    const b = createCache({ store: tieredStore(l1a, shared) });
    await a.set('k', 'v');
    expect(await b.get('k')).toBe('v');
    expect((await l1a.get('data:k'))?.entry.value).toBe('v');
  });

  it('falls back to L1 when L2 fails, reports once, replays invalidations and clears L1 on recovery', async () => {
    const shared = switchableStore();
    const l1 = memoryStore();
    const store = tieredStore(l1, shared, { probeIntervalMs: 0 });
    const events: StoreEvent['type'][] = [];
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
});
