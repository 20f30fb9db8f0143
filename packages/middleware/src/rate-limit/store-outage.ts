import type { Logger, Telemetry } from '@mcpkit/core';

declare module '@mcpkit/core' {
  interface TelemetryEvents {
    /** A rate-limit store answered again after failing; `failures` counts the calls that failed meanwhile. */
    'ratelimit.recovered': { name: string; downMs: number; failures: number };
  }
}

/**
 * The outage state of one limiter's store: it logs one warning when the store starts failing and
 * one line when it answers again, and counts every failure in between through telemetry
 * (`ratelimit.unavailable`, which metrics export) instead of logging each one. A busy server whose
 * Redis is down would otherwise write a line per request.
 *
 * Calls overlap, so a verdict is judged against the state the call started in: an answer to a call
 * sent before the outage began does not end it, and a failure of a call sent before it ended does
 * not start a new one. Each change of state is a new epoch; a call remembers the epoch it began in.
 */
export class StoreOutage {
  readonly #name: string;
  readonly #failOpen: boolean;
  #epoch = 0;
  #down = false;
  #since = 0;
  #failures = 0;

  constructor(name: string, failOpen: boolean) {
    this.#name = name;
    this.#failOpen = failOpen;
  }

  /** The current epoch: read when a store call starts and handed back with its verdict. */
  get epoch(): number {
    return this.#epoch;
  }

  /** Records one failed store call that began in `epoch`; only the first of an outage writes a line. */
  failed(epoch: number, error: unknown, telemetry: Telemetry, logger: () => Logger): void {
    telemetry.emit('ratelimit.unavailable', { name: this.#name, served: this.#failOpen });
    if (this.#down || epoch !== this.#epoch) {
      // Part of the outage under way, or a late failure of one that already ended.
      this.#failures++;
      return;
    }
    this.#epoch++;
    this.#down = true;
    this.#since = Date.now();
    this.#failures = 1;
    logger().warn(
      { err: error, limiter: this.#name, failOpen: this.#failOpen },
      this.#failOpen
        ? 'rate-limit store unavailable; serving requests unlimited until it answers again'
        : 'rate-limit store unavailable; refusing requests until it answers again',
    );
  }

  /** Records a store call that began in `epoch` and answered; ends an outage with one line. Cheap when there is none. */
  answered(epoch: number, telemetry: Telemetry, logger: () => Logger): void {
    if (!this.#down || epoch !== this.#epoch) return;
    const downMs = Date.now() - this.#since;
    const failures = this.#failures;
    this.#epoch++;
    this.#down = false;
    telemetry.emit('ratelimit.recovered', { name: this.#name, downMs, failures });
    logger().info({ limiter: this.#name, downMs, failures }, 'rate-limit store works again');
  }
}
