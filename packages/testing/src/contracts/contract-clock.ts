/** The time a contract suite drives a store with. */
export interface ContractClock {
  /** Milliseconds since the epoch, as the store should read them. */
  now(): number;
  /** Moves time on by `ms`: at once for a manual clock, by waiting for a real one. */
  advance(ms: number): Promise<void>;
}

/** A clock that stands still until advanced; starts at the real time. */
export function manualClock(start = Date.now()): ContractClock {
  let at = start;
  return {
    now: () => at,
    advance: async (ms) => {
      at += ms;
    },
  };
}

/** The real clock, for stores whose time cannot be injected (Redis's own TIME, `Date.now`): advancing waits. */
export function realClock(): ContractClock {
  return {
    now: () => Date.now(),
    advance: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
}
