import { type CacheEntry, createMemoryCacheStore } from '@mcpkit/cache';
import { describe, expect, it } from 'vitest';

const entry = (value: unknown, over: Partial<CacheEntry> = {}): CacheEntry => ({
  value,
  createdAt: 100,
  freshUntil: 1_000,
  staleUntil: 1_000,
  expiresAt: Date.now() + 60_000,
  tags: [],
  size: 10,
  ...over,
});

describe('createMemoryCacheStore', () => {
  it('evicts the least recently used entry past max', async () => {
    const store = createMemoryCacheStore({ max: 2 });
    await store.set('a', entry(1));
    await store.set('b', entry(2));
    await store.get('a');
    await store.set('c', entry(3));
    expect(await store.get('b')).toBeUndefined();
    expect((await store.get('a'))?.entry.value).toBe(1);
  });

  it('bounds the total size with maxSize and the entry size', async () => {
    const store = createMemoryCacheStore({ maxSize: 25 });
    await store.set('a', entry(1, { size: 10 }));
    await store.set('b', entry(2, { size: 10 }));
    await store.set('c', entry(3, { size: 10 }));
    const kept = (await Promise.all(['a', 'b', 'c'].map((k) => store.get(k)))).filter(Boolean);
    expect(kept).toHaveLength(2);
  });

  it('drops an entry whose retention has passed', async () => {
    const store = createMemoryCacheStore();
    await store.set('gone', entry(1, { expiresAt: Date.now() - 1 }));
    expect(await store.get('gone')).toBeUndefined();
  });

  it('marks entries created at or before a tag invalidation, and only those', async () => {
    const store = createMemoryCacheStore();
    await store.set('old', entry('old', { tags: ['t'], createdAt: 100 }));
    await store.set('new', entry('new', { tags: ['t'], createdAt: 300 }));
    await store.invalidateTags(['t'], 200);
    expect((await store.get('old'))?.invalidated).toBe(true);
    expect((await store.get('new'))?.invalidated).toBe(false);
    // An older invalidation never lowers a newer one.
    await store.invalidateTags(['t'], 50);
    expect((await store.get('old'))?.invalidated).toBe(true);
  });

  it('answers peek synchronously with the same frozen record until the entry changes', async () => {
    const store = createMemoryCacheStore();
    await store.set('k', entry('v', { tags: ['t'], createdAt: 100 }));
    const first = store.peek?.('k');
    expect(first).toMatchObject({ layer: 'l1', invalidated: false, entry: { value: 'v' } });
    expect(Object.isFrozen(first)).toBe(true);
    expect(store.peek?.('k')).toBe(first);
    await store.invalidateTags(['t'], 100);
    expect(store.peek?.('k')).toMatchObject({ invalidated: true, entry: { value: 'v' } });
    expect(store.peek?.('missing')).toBeUndefined();
  });
});
