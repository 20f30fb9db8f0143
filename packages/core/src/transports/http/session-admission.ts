import { type Clock, clockNow } from '../../engine/clock.js';
import { McpkitError } from '../../engine/errors.js';

/** Options of {@link SessionAdmission}. */
export interface SessionAdmissionOptions {
  /** Most sessions one caller may open per window. Default: 100. */
  maxPerCaller?: number;
  /** Length of the window, in milliseconds. Default: 60 000. */
  windowMs?: number;
  /** Most callers tracked at once; past it, callers not seen before are refused (503). Default: 100 000. */
  maxCallers?: number;
  /** Clock in ms (tests inject one). Default: `clock`'s. */
  now?: () => number;
  /** The clock read when `now` is not given (see `Clock`). Default: `systemClock`. */
  clock?: Clock;
}

interface Window {
  start: number;
  current: number;
  previous: number;
}

/**
 * Bounds how fast one caller can open legacy sessions (a sliding-window counter per caller), so
 * a flood of `initialize` from one identity or address is refused with a coded, retryable error
 * instead of filling the session store for everyone else.
 */
export class SessionAdmission {
  readonly #max: number;
  readonly #windowMs: number;
  readonly #maxCallers: number;
  readonly #now: () => number;
  readonly #windows = new Map<string, Window>();
  #prunedAt = Number.NEGATIVE_INFINITY;

  constructor(options: SessionAdmissionOptions = {}) {
    this.#max = options.maxPerCaller ?? 100;
    this.#windowMs = options.windowMs ?? 60_000;
    this.#maxCallers = options.maxCallers ?? 100_000;
    this.#now = clockNow(options);
  }

  /** Counts one new session for `key`, or throws `RATE_LIMITED` (429) / `UPSTREAM_UNAVAILABLE` (503). */
  admit(key: string): void {
    const now = this.#now();
    let window = this.#windows.get(key);
    if (window === undefined) {
      if (this.#windows.size >= this.#maxCallers) this.#prune(now);
      if (this.#windows.size >= this.#maxCallers) {
        throw new McpkitError('UPSTREAM_UNAVAILABLE', 'Too many callers are opening sessions right now.', {
          retryable: true,
          retryAfterMs: this.#windowMs,
          hint: 'Retry later, or reuse the session you already have.',
        });
      }
      window = { start: now, current: 0, previous: 0 };
      this.#windows.set(key, window);
    }
    this.#roll(window, now);
    const elapsed = now - window.start;
    const estimate = window.previous * (1 - elapsed / this.#windowMs) + window.current;
    if (estimate + 1 > this.#max) {
      throw new McpkitError('RATE_LIMITED', 'Too many new sessions from this caller.', {
        retryAfterMs: Math.max(1_000, Math.ceil(this.#windowMs - elapsed)),
        hint: `Reuse an open session (at most ${this.#max} new sessions per ${this.#windowMs} ms), or DELETE the ones you no longer need.`,
      });
    }
    window.current++;
  }

  #roll(window: Window, now: number): void {
    const windows = Math.floor((now - window.start) / this.#windowMs);
    if (windows <= 0) return;
    window.previous = windows === 1 ? window.current : 0;
    window.current = 0;
    window.start += windows * this.#windowMs;
  }

  /** Forgets callers idle for two windows; at most once a second, so a flood of new keys stays O(1) per request. */
  #prune(now: number): void {
    if (now - this.#prunedAt < 1_000) return;
    this.#prunedAt = now;
    for (const [key, window] of this.#windows) {
      if (now - window.start >= 2 * this.#windowMs) this.#windows.delete(key);
    }
  }
}
