import { type Clock, type ClockTimer, sleepOn } from '@mcpkit/core';
import { vi } from 'vitest';

/** Options of {@link useFakeClock}. */
export interface FakeClockOptions {
  /** Where the clock starts. Default: the real time at the call. */
  now?: number | Date;
}

/** A {@link Clock} driven by vitest's fake timers; `advance` moves every reader of the clock and of `Date` at once. */
export interface FakeClock extends Clock {
  /** Moves time on by `ms`, running the timers that fall due in order (`vi.advanceTimersByTimeAsync`). */
  advance(ms: number): Promise<void>;
  /** Sets the time without running timers (`vi.setSystemTime`). */
  set(time: number | Date): void;
  /** Back to real time (`vi.useRealTimers()`); call it in `afterEach`. */
  restore(): void;
}

/**
 * Installs vitest's fake timers (`Date`, `setTimeout`/`setInterval`, `performance`; microtasks and
 * `nextTick` stay real so in-process clients keep working) and returns the clock over them.
 * Everything in mcpkit that reads `systemClock` or `Date` — cache freshness, rate-limit windows,
 * task expiry, session idle times, signing tolerances, cockatiel's breaker and retry waits, mock
 * upstream timestamps — then moves together with `advance`, without real sleeping. Passing it as
 * the `clock` option works too; since it reads the faked globals it is the same time either way.
 * It satisfies the contract suites' `ContractClock`.
 */
export function useFakeClock(options: FakeClockOptions = {}): FakeClock {
  vi.useFakeTimers({
    now: options.now ?? Date.now(),
    toFake: ['Date', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance'],
  });
  const clock: FakeClock = {
    now: () => Date.now(),
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (timer: ClockTimer) => clearTimeout(timer as ReturnType<typeof setTimeout>),
    sleep: (ms, signal) => sleepOn(clock, ms, signal),
    advance: async (ms) => {
      await vi.advanceTimersByTimeAsync(ms);
    },
    set: (time) => {
      vi.setSystemTime(time);
    },
    restore: () => {
      vi.useRealTimers();
    },
  };
  return clock;
}
