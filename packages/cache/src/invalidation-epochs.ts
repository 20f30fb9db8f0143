/**
 * Orders invalidations against loads in flight. Every invalidation this instance makes or hears
 * (a tag voided, a key deleted or rewritten, "anything may have changed" after a gap in the bus)
 * takes the next number of one counter; a load remembers the number current when it started.
 * Its result is outdated when a key or tag it carries was invalidated under a later number: it
 * then must neither be written nor handed to callers who joined it. Tags are known only once the
 * loader returns (they may be computed from the value), so the check runs at completion.
 */
export interface InvalidationEpochs {
  /** The number of the latest invalidation; a load that starts now remembers it. */
  current(): number;
  /** Records that `keys` and `tags` were invalidated now. */
  record(keys: readonly string[], tags: readonly string[]): void;
  /** Records that anything may have changed now (messages missed): every load in flight is outdated. */
  recordAll(): void;
  /** True when `key` or one of `tags` was invalidated after `since`. */
  changedSince(since: number, key: string, tags: readonly string[]): boolean;
  /** Forgets everything no load in flight can ask about: the oldest load started at `oldest` (undefined: none). */
  forget(oldest: number | undefined): void;
  /** How many keys and tags are remembered. */
  size(): number;
}

/**
 * Creates the epochs of one resolver. At most `maxEntries` keys and tags are remembered; past
 * that (a burst of invalidations during one long load) the oldest loads are treated as outdated
 * instead of remembering more, so memory does not grow with the invalidation rate.
 */
export function createInvalidationEpochs(maxEntries = 10_000): InvalidationEpochs {
  let latest = 0;
  // Loads that started at or before `floor` are outdated whatever they carry.
  let floor = 0;
  // Both maps stay ordered by epoch: an entry is deleted and re-added when its epoch rises.
  const keys = new Map<string, number>();
  const tags = new Map<string, number>();

  const raise = (map: Map<string, number>, name: string) => {
    map.delete(name);
    map.set(name, latest);
  };
  const dropUpTo = (map: Map<string, number>, epoch: number) => {
    for (const [name, at] of map) {
      if (at > epoch) break;
      map.delete(name);
    }
  };

  return {
    current: () => latest,
    record(keyList, tagList) {
      if (keyList.length === 0 && tagList.length === 0) return;
      latest++;
      for (const key of keyList) raise(keys, key);
      for (const tag of tagList) raise(tags, tag);
      if (keys.size + tags.size > maxEntries) {
        floor = latest;
        keys.clear();
        tags.clear();
      }
    },
    recordAll() {
      latest++;
      floor = latest;
      keys.clear();
      tags.clear();
    },
    changedSince(since, key, tagList) {
      if (floor > since) return true;
      if ((keys.get(key) ?? 0) > since) return true;
      for (const tag of tagList) if ((tags.get(tag) ?? 0) > since) return true;
      return false;
    },
    size: () => keys.size + tags.size,
    forget(oldest) {
      if (oldest === undefined) {
        keys.clear();
        tags.clear();
        return;
      }
      dropUpTo(keys, oldest);
      dropUpTo(tags, oldest);
    },
  };
}
