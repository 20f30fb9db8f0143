import { createCache } from '@mcpkit/cache';
import { describe, expect, it } from 'vitest';

/** A loader that reads the source when it starts and answers when the test opens its gate. */
function gatedSource() {
  const source = { version: 1, loads: 0 };
  let open!: () => void;
  let gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  let started!: () => void;
  let running = new Promise<void>((resolve) => {
    started = resolve;
  });
  const loader = async () => {
    const seen = source.version;
    source.loads++;
    started();
    await gate;
    return `v${seen}`;
  };
  return {
    source,
    loader,
    /** Resolves once a load has started. */
    running: () => running,
    /** Lets the loads in flight answer; later loads answer at once. */
    release() {
      open();
      gate = Promise.resolve();
      running = Promise.resolve();
    },
  };
}

describe('loads in flight and invalidations', () => {
  it('does not hand a load that began before a tag invalidation to a caller who arrives after it', async () => {
    const cache = createCache();
    const { source, loader, running, release } = gatedSource();
    const first = cache.getOrSet('k', loader, { tags: ['t'] });
    await running();
    source.version = 2;
    await cache.invalidateTags(['t']);
    const later = cache.getOrSet('k', loader, { tags: ['t'] });
    release();
    expect(await first).toBe('v1');
    expect(await later).toBe('v2');
    expect(source.loads).toBe(2);
    // Only the value read after the invalidation is kept.
    expect(await cache.get('k')).toBe('v2');
  });

  it('keeps a value loaded after a tag invalidation made in the same millisecond', async () => {
    // A frozen clock: the invalidation and the load that follows it read the same millisecond.
    const cache = createCache({ clock: () => 1_000 });
    const source = { version: 1 };
    const loader = async () => `v${source.version}`;
    expect(await cache.getOrSet('k', loader, { tags: ['t'] })).toBe('v1');
    source.version = 2;
    await cache.invalidateTags(['t']);
    expect(await cache.getOrSet('k', loader, { tags: ['t'] })).toBe('v2');
    expect(await cache.get('k')).toBe('v2');
    await cache.invalidateTags(['t']);
    await cache.set('s', 'set-after', { tags: ['t'] });
    expect(await cache.get('s')).toBe('set-after');
  });

  it('still shares one load among callers when nothing was invalidated', async () => {
    const cache = createCache();
    const { source, loader, running, release } = gatedSource();
    const first = cache.getOrSet('k', loader, { tags: ['t'] });
    await running();
    await cache.invalidateTags(['another']);
    const joined = cache.getOrSet('k', loader, { tags: ['t'] });
    release();
    expect([await first, await joined]).toEqual(['v1', 'v1']);
    expect(source.loads).toBe(1);
  });

  it('does not write back a load that began before its key was deleted', async () => {
    const cache = createCache();
    const { source, loader, running, release } = gatedSource();
    const first = cache.getOrSet('k', loader);
    await running();
    source.version = 2;
    await cache.delete('k');
    release();
    expect(await first).toBe('v1');
    expect(await cache.get('k')).toBeUndefined();
  });

  it('does not overwrite a value set while a load was in flight', async () => {
    const cache = createCache();
    const { loader, running, release } = gatedSource();
    const first = cache.getOrSet('k', loader);
    await running();
    await cache.set('k', 'set meanwhile');
    release();
    await first;
    expect(await cache.get('k')).toBe('set meanwhile');
  });

  it('does not let a background refresh that began before an invalidation answer later callers', async () => {
    let now = 0;
    const cache = createCache({ clock: () => now, ttlMs: 1_000, staleWhileRevalidateMs: 5_000 });
    const { source, loader, release } = gatedSource();
    const options = { tags: ['t'] };
    release();
    expect(await cache.getOrSet('k', loader, options)).toBe('v1');

    const refreshing = gatedSource();
    refreshing.source.version = 2;
    now = 2_000;
    // Stale: answered at once while a refresh reads version 2.
    expect(await cache.getOrSet('k', refreshing.loader, options)).toBe('v1');
    await refreshing.running();
    refreshing.source.version = 3;
    source.version = 3;
    now += 1;
    await cache.invalidateTags(['t']);
    // A load started in the same millisecond as an invalidation counts as before it.
    now += 1;
    const later = cache.getOrSet('k', refreshing.loader, options);
    refreshing.release();
    expect(await later).toBe('v3');
    expect(await cache.get('k')).toBe('v3');
  });
});
