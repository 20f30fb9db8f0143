/** Remembers recently seen nonces so a signed request cannot be replayed inside its time window. */
export interface NonceCache {
  /** Records `nonce` seen at `now`; false when it was already seen and has not expired. */
  add(nonce: string, now: number): boolean;
}

/**
 * A bounded in-memory nonce memory: entries expire after `ttlMs`, and the oldest are dropped
 * beyond `max` (size it above the request rate × window, or replays of dropped nonces pass).
 */
export function createNonceCache(options: { ttlMs: number; max?: number }): NonceCache {
  const max = options.max ?? 10_000;
  const seen = new Map<string, number>();
  return {
    add(nonce, now) {
      // Entries are kept in insertion (≈ time) order: sweep expired ones from the front.
      for (const [key, at] of seen) {
        if (at > now - options.ttlMs) break;
        seen.delete(key);
      }
      const at = seen.get(nonce);
      if (at !== undefined && at > now - options.ttlMs) return false;
      seen.set(nonce, now);
      if (seen.size > max) seen.delete(seen.keys().next().value as string);
      return true;
    },
  };
}
