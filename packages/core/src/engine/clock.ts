/** A timer a {@link Clock} started; pass it back to `clearTimeout`. */
export type ClockTimer = unknown;

/**
 * The time every time-dependent part of mcpkit reads: cache TTLs and grace, rate-limit windows,
 * task expiry, session idle timeouts, signing tolerances, JWT lifetimes, breaker timing. Pass one
 * as the `clock` option to move them together; `@mcpkit/testing/vitest`'s `useFakeClock()` gives
 * one that vitest's fake timers drive.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `fn` once `ms` have passed on this clock. */
  setTimeout(fn: () => void, ms: number): ClockTimer;
  /** Cancels a timer from `setTimeout`. */
  clearTimeout(timer: ClockTimer): void;
  /** Resolves once `ms` have passed on this clock; rejects with the signal's reason when aborted first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * The real clock. It looks up `Date.now` and `setTimeout` on every call rather than keeping the
 * functions it found at start-up, so vitest's fake timers (`vi.useFakeTimers()`, installed before or
 * after a store was made) drive everything that uses it, and the libraries that read the globals
 * themselves (cockatiel's breaker, ky's retry waits) move with it.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const timer = setTimeout(fn, ms);
    // A pending expiry must never keep the process alive.
    (timer as { unref?: () => void }).unref?.();
    return timer;
  },
  clearTimeout: (timer) => clearTimeout(timer as ReturnType<typeof setTimeout>),
  sleep: (ms, signal) => sleepOn(systemClock, ms, signal),
};

/** `sleep` written on a clock's `setTimeout`, for `Clock` implementations that have no better one. */
export function sleepOn(
  clock: Pick<Clock, 'setTimeout' | 'clearTimeout'>,
  ms: number,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clock.clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The `now()` an option set asks for: its `now` function when given (the older option), else its
 * `clock`'s, else {@link systemClock}'s. Read the result at each use; never cache `Date.now` itself.
 */
export function clockNow(options: {
  now?: (() => number) | undefined;
  clock?: Clock | undefined;
}): () => number {
  if (options.now) return options.now;
  const clock = options.clock ?? systemClock;
  return () => clock.now();
}
