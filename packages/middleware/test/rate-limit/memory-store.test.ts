import { serialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { createMemoryRateLimitStore } from '../../src/index.js';
import { memoryStoreEntry } from '../../src/rate-limit/memory-store.js';

const window = 60_000;

describe('createMemoryRateLimitStore', () => {
  it('sliding window admits `limit` per window and frees slots as the previous window slides out', async () => {
    let now = 1_000_000;
    const store = createMemoryRateLimitStore({ now: () => now });
    const rule = { limit: 3, windowMs: window, algorithm: 'sliding-window' as const };
    const verdicts = [];
    for (let i = 0; i < 5; i++) {
      verdicts.push(await store.consume('k', rule));
      now += 10_000;
    }
    expect(verdicts.map((v) => v.allowed)).toEqual([true, true, true, false, false]);
    expect(verdicts[2]?.remaining).toBe(0);
    // The window began with the first request (1_000_000). Its 3 requests count as evenly spread,
    // so one slot is free once a third of them has slid out: 20 s into the next window, 40 s after
    // the refusal at 1_040_000.
    expect(verdicts[4]?.retryAfterMs).toBe(40_000);
    now = 1_040_000 + 40_000 - 1;
    expect((await store.consume('k', rule)).allowed).toBe(false);
    now += 1;
    expect((await store.consume('k', rule)).allowed).toBe(true);
    expect((await store.consume('k', rule)).allowed).toBe(false);
    expect((await store.consume('other', rule)).remaining).toBe(2);
  });

  it('keeps a fixed few numbers per sliding-window key, whatever the number of requests', async () => {
    let now = 0;
    const store = createMemoryRateLimitStore({ now: () => now });
    const rule = { limit: 100_000, windowMs: window, algorithm: 'sliding-window' as const };
    await store.consume('k', rule);
    const sizeAfterOne = serialize(memoryStoreEntry(store, 'k')).length;
    let admitted = 1;
    for (let i = 1; i < 50_000; i++) {
      now = i; // one request per millisecond, all inside the first window
      if ((await store.consume('k', rule)).allowed) admitted++;
    }
    const entry = memoryStoreEntry(store, 'k');
    const size = serialize(entry).length;
    console.log(
      `createMemoryRateLimitStore sliding window: ${admitted} admitted on one key → ${Object.keys(entry ?? {}).length} fields, ${size} bytes serialized (after 1 request: ${sizeAfterOne} bytes)`,
    );
    expect(admitted).toBe(50_000);
    expect(entry).toEqual({ start: 0, previous: 0, current: 50_000 });
    expect(size).toBeLessThanOrEqual(sizeAfterOne + 4);
    // The next window shifts the count, it does not grow the state.
    now = window + 1;
    expect((await store.consume('k', rule)).allowed).toBe(true);
    expect(memoryStoreEntry(store, 'k')).toEqual({ start: window, previous: 50_000, current: 1 });
  });

  it('token bucket allows a burst of `limit`, then refills continuously', async () => {
    let now = 0;
    const store = createMemoryRateLimitStore({ now: () => now });
    const rule = { limit: 4, windowMs: 4_000, algorithm: 'token-bucket' as const };
    for (let i = 0; i < 4; i++) expect((await store.consume('k', rule)).allowed).toBe(true);
    const refused = await store.consume('k', rule);
    expect(refused).toMatchObject({ allowed: false, remaining: 0, retryAfterMs: 1_000 });
    now += 1_000;
    expect((await store.consume('k', rule)).allowed).toBe(true);
    expect((await store.consume('k', rule)).allowed).toBe(false);
    now += 10_000;
    expect(await store.consume('k', rule)).toMatchObject({ allowed: true, remaining: 3 });
  });

  it('forgets the least recently used keys beyond maxKeys', async () => {
    const store = createMemoryRateLimitStore({ now: () => 0, maxKeys: 2 });
    const rule = { limit: 1, windowMs: window, algorithm: 'sliding-window' as const };
    await store.consume('a', rule);
    await store.consume('b', rule);
    await store.consume('c', rule);
    expect((await store.consume('a', rule)).allowed).toBe(true);
    expect((await store.consume('c', rule)).allowed).toBe(false);
  });

  it('answers synchronously, so a limiter over it adds no promise per request', () => {
    const store = createMemoryRateLimitStore({ now: () => 0 });
    const rule = { limit: 1, windowMs: window, algorithm: 'token-bucket' as const };
    const first = store.consume('k', rule);
    expect(first).not.toBeInstanceOf(Promise);
    expect(first).toMatchObject({ allowed: true, remaining: 0 });
    expect(store.consume('k', rule)).toMatchObject({ allowed: false });
  });

  it('keeps recency right when one key is used many times in a row', () => {
    const store = createMemoryRateLimitStore({ now: () => 0, maxKeys: 2 });
    const rule = { limit: 5, windowMs: window, algorithm: 'sliding-window' as const };
    store.consume('a', rule);
    store.consume('b', rule);
    store.consume('b', rule);
    store.consume('a', rule);
    store.consume('a', rule);
    // `b` is now the least recently used key, so a third key pushes it out and `a` keeps its count.
    store.consume('c', rule);
    expect(memoryStoreEntry(store, 'b')).toBeUndefined();
    expect(memoryStoreEntry(store, 'a')).toMatchObject({ current: 3 });
  });
});
