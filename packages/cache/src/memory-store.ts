import { systemClock } from '@mcpkit/core';
import { LRUCache } from 'lru-cache';
import type { CacheEntry, CacheStore, StoredEntry } from './cache-store.js';

/** Options of {@link createMemoryCacheStore}. */
export interface MemoryCacheStoreOptions {
  /** Most entries kept; the least recently used go first. Default: 10 000. */
  max?: number;
  /** Most total size kept, in the units of `sizeCalculation`. Default: none (only `max` bounds the store). */
  maxSize?: number;
  /** Size of one entry for `maxSize`. Default: the entry's encoded size in bytes. */
  sizeCalculation?: (entry: CacheEntry, key: string) => number;
  /** Longest time any entry is kept, in ms, whatever its own retention. Default: none. */
  ttlMs?: number;
  /** Most tag invalidations remembered (oldest forgotten first). Default: 100 000. */
  maxTags?: number;
  /** How long a tag invalidation is remembered, in ms; keep it above your longest ttlMs + graceMs. Default: 24 h. */
  tagRetentionMs?: number;
  /** Name in logs and health details. Default: `memory`. */
  name?: string;
}

/** An in-process store on lru-cache: the L1 of a tiered store, or the whole cache for one instance. */
export function createMemoryCacheStore(options: MemoryCacheStoreOptions = {}): CacheStore {
  const name = options.name ?? 'memory';
  const sizeOf = options.sizeCalculation ?? ((entry: CacheEntry) => Math.max(1, entry.size));
  // Entries are kept wrapped as the frozen answer `peek` gives, so a hit allocates nothing.
  const entries = new LRUCache<string, StoredEntry>({
    max: options.max ?? 10_000,
    // lru-cache's default (1 ms) caches the time and arms a timer every millisecond to forget it:
    // under load that timer alone wakes the event loop far more often than reading the clock costs.
    ttlResolution: 0,
    ...(options.maxSize !== undefined
      ? {
          maxSize: options.maxSize,
          sizeCalculation: (stored: StoredEntry, key: string) => sizeOf(stored.entry, key),
        }
      : {}),
    ...(options.ttlMs !== undefined ? { ttl: options.ttlMs } : {}),
  });
  // Tag invalidation times, checked lazily on read: voiding by tag costs O(tags), not O(entries).
  const tags = new LRUCache<string, number>({
    max: options.maxTags ?? 100_000,
    ttl: options.tagRetentionMs ?? 24 * 60 * 60 * 1000,
    ttlResolution: 0,
  });

  const isInvalidated = (entry: CacheEntry): boolean => {
    for (const tag of entry.tags) {
      const at = tags.get(tag);
      if (at !== undefined && at >= entry.createdAt) return true;
    }
    return false;
  };

  return {
    name,
    peek(key) {
      const stored = entries.get(key);
      if (stored === undefined || stored.entry.tags.length === 0 || !isInvalidated(stored.entry))
        return stored;
      return { entry: stored.entry, layer: 'l1', invalidated: true };
    },
    async get(key): Promise<StoredEntry | undefined> {
      return this.peek?.(key);
    },
    async set(key, entry) {
      const ttl = entry.expiresAt - systemClock.now();
      if (ttl <= 0) {
        entries.delete(key);
        return;
      }
      const stored: StoredEntry = Object.freeze({ entry, layer: 'l1', invalidated: false });
      entries.set(key, stored, { ttl: options.ttlMs !== undefined ? Math.min(ttl, options.ttlMs) : ttl });
    },
    async delete(keys) {
      for (const key of keys) entries.delete(key);
    },
    async invalidateTags(list, at) {
      for (const tag of list) {
        const known = tags.get(tag);
        if (known === undefined || known < at) tags.set(tag, at);
      }
    },
    async clear() {
      entries.clear();
    },
    async check() {
      return { healthy: true, details: { entries: entries.size } };
    },
    subscribe() {
      return () => {};
    },
    async close() {
      entries.clear();
      tags.clear();
    },
  };
}
