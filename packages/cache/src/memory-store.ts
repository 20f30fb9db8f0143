import { LRUCache } from 'lru-cache';
import type { CacheEntry, CacheStore, StoredEntry } from './cache-store.js';

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /** Most entries kept; the least recently used go first. Default: 10 000. */
  max?: number;
  /** Most total size kept, in the units of `sizeCalculation`. Default: none (only `max` bounds the store). */
  maxSize?: number;
  /** Size of one entry for `maxSize`. Default: the entry's encoded size in bytes. */
  sizeCalculation?: (entry: CacheEntry, key: string) => number;
  /** Longest time any entry is kept, in ms, whatever its own retention. Default: none. */
  ttl?: number;
  /** Most tag invalidations remembered (oldest forgotten first). Default: 100 000. */
  maxTags?: number;
  /** How long a tag invalidation is remembered, in ms; keep it above your longest ttl + grace. Default: 24 h. */
  tagRetentionMs?: number;
  /** Name in logs and health details. Default: `memory`. */
  name?: string;
}

/** An in-process store on lru-cache: the L1 of a tiered store, or the whole cache for one instance. */
export function memoryStore(options: MemoryStoreOptions = {}): CacheStore {
  const name = options.name ?? 'memory';
  const sizeCalculation = options.sizeCalculation ?? ((entry: CacheEntry) => Math.max(1, entry.size));
  const entries = new LRUCache<string, CacheEntry>({
    max: options.max ?? 10_000,
    ...(options.maxSize !== undefined ? { maxSize: options.maxSize, sizeCalculation } : {}),
    ...(options.ttl !== undefined ? { ttl: options.ttl } : {}),
  });
  // Tag invalidation times, checked lazily on read: voiding by tag costs O(tags), not O(entries).
  const tags = new LRUCache<string, number>({
    max: options.maxTags ?? 100_000,
    ttl: options.tagRetentionMs ?? 24 * 60 * 60 * 1000,
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
      const entry = entries.get(key);
      if (entry === undefined) return undefined;
      return { entry, layer: 'l1', invalidated: entry.tags.length > 0 && isInvalidated(entry) };
    },
    async get(key): Promise<StoredEntry | undefined> {
      return this.peek?.(key);
    },
    async set(key, entry) {
      const ttl = entry.expiresAt - Date.now();
      if (ttl <= 0) {
        entries.delete(key);
        return;
      }
      entries.set(key, entry, { ttl: options.ttl !== undefined ? Math.min(ttl, options.ttl) : ttl });
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
