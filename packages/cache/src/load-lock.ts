import type { CacheStore, StoredEntry } from './cache-store.js';

/** What {@link acquireLoadLock} needs from the resolver. */
export interface LoadLockOptions {
  store: CacheStore;
  /** How long the lock is held at most, in ms. */
  lockTtlMs: number;
  /** How long to keep trying before loading without the lock, in ms. */
  lockWaitMs: number;
  /** Pause between two tries while another instance holds the lock, in ms. */
  lockPollMs: number;
  /** Reads the store; resolves undefined on failure (the resolver logs it). */
  read(key: string): Promise<StoredEntry | undefined>;
  /** Whether a stored entry may answer as a fresh value. */
  usable(stored: StoredEntry | undefined): stored is StoredEntry;
  /** Reports a failure of the lock command. */
  failed(error: unknown): void;
}

/**
 * How the lock round ended: `release` when this caller holds the lock and must load (then write,
 * then release); `landed` when another instance's value arrived; neither when the lock could not
 * be had in time or the store failed, and the caller loads without it.
 */
export type LockOutcome = { release: () => Promise<void> } | { landed: StoredEntry } | Record<string, never>;

/**
 * Takes the cross-instance load lock for `key`, or waits for whoever holds it. After winning it the
 * store is read again, as the previous holder writes its value before it releases: one load per
 * key across instances. A waiter retries the lock every `lockPollMs` (and looks for the value), so
 * it wakes within one round of a release — a holder whose loader failed releases without writing,
 * and the next instance loads at once instead of after `lockWaitMs`.
 */
export async function acquireLoadLock(key: string, options: LoadLockOptions): Promise<LockOutcome> {
  const { store, lockTtlMs, lockWaitMs, lockPollMs, read, usable, failed } = options;
  if (!store.lock) return {};
  const deadline = Date.now() + lockWaitMs;
  for (;;) {
    let release: (() => Promise<void>) | undefined;
    try {
      release = await store.lock(key, lockTtlMs);
    } catch (error) {
      failed(error);
      return {};
    }
    const stored = await read(key);
    if (usable(stored)) {
      if (release) await release().catch(failed);
      return { landed: stored };
    }
    if (release) return { release };
    if (Date.now() >= deadline) return {};
    await new Promise((resolve) => setTimeout(resolve, lockPollMs));
  }
}
