import type { Logger, Telemetry } from '@mcpkit/core';

declare module '@mcpkit/core' {
  interface TelemetryEvents {
    /** A rate-limit store answered again after failing; `failures` counts the calls that failed meanwhile. */
    'ratelimit.recovered': { name: string; downMs: number; failures: number };
  }
}

/** Failures this soon after a recovery belong to the outage that just ended (calls already in flight). */
const SETTLE_MS = 1_000;

/**
 * The outage state of one limiter's store: it logs one warning when the store starts failing and
 * one line when it answers again, and counts every failure in between through telemetry
 * (`ratelimit.unavailable`, which metrics export) instead of logging each one. A busy server whose
 * Redis is down would otherwise write a line per request.
 */
export class StoreOutage {
  readonly #name: string;
  readonly #failOpen: boolean;
  #down = false;
  #since = 0;
  #failures = 0;
  #recoveredAt = Number.NEGATIVE_INFINITY;

  constructor(name: string, failOpen: boolean) {
    this.#name = name;
    this.#failOpen = failOpen;
  }

  /** True while the store is failing. */
  get down(): boolean {
    return this.#down;
  }

  /** Records one failed store call; only the first of an outage writes a line. */
  failed(error: unknown, telemetry: Telemetry, logger: () => Logger): void {
    telemetry.emit('ratelimit.unavailable', { name: this.#name, served: this.#failOpen });
    if (this.#down) {
      this.#failures++;
      return;
    }
    const now = Date.now();
    if (now - this.#recoveredAt < SETTLE_MS) return;
    this.#down = true;
    this.#since = now;
    this.#failures = 1;
    logger().warn(
      { err: error, limiter: this.#name, failOpen: this.#failOpen },
      this.#failOpen
        ? 'rate-limit store unavailable; serving requests unlimited until it answers again'
        : 'rate-limit store unavailable; refusing requests until it answers again',
    );
  }

  /** Records a store call that answered; ends an outage with one line. Cheap when there is none. */
  answered(telemetry: Telemetry, logger: () => Logger): void {
    if (!this.#down) return;
    const now = Date.now();
    const downMs = now - this.#since;
    const failures = this.#failures;
    this.#down = false;
    this.#recoveredAt = now;
    telemetry.emit('ratelimit.recovered', { name: this.#name, downMs, failures });
    logger().info({ limiter: this.#name, downMs, failures }, 'rate-limit store works again');
  }
}
