import { type Logger, McpkitError } from '@mcpkit/core';

/**
 * Runs a store's Redis commands with a deadline and turns every failure into one retryable
 * `UPSTREAM_UNAVAILABLE` naming the store. Logs once when an outage starts and once when it ends
 * (with how many commands failed in between), not once per command.
 */
export class RedisOutage {
  #down = false;
  #failures = 0;
  #since = 0;
  #recoveredAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly store: string,
    private readonly logger: Logger,
    private readonly timeoutMs: number,
  ) {}

  /** Whether the last command failed. */
  get down(): boolean {
    return this.#down;
  }

  /** When the last outage ended (`Date.now()`), or -Infinity when there was none. */
  get recoveredAt(): number {
    return this.#recoveredAt;
  }

  async run<T>(operation: string, command: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Redis did not answer within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
    });
    try {
      const value = await Promise.race([Promise.resolve().then(command), deadline]);
      this.#recovered();
      return value;
    } catch (error) {
      throw this.#failed(error, operation);
    } finally {
      clearTimeout(timer);
    }
  }

  #recovered(): void {
    if (!this.#down) return;
    this.#down = false;
    this.#recoveredAt = Date.now();
    this.logger.info(
      { store: this.store, failedCommands: this.#failures, outageMs: Date.now() - this.#since },
      `${this.store}: Redis answers again`,
    );
    this.#failures = 0;
  }

  #failed(error: unknown, operation: string): McpkitError {
    this.#failures++;
    if (!this.#down) {
      this.#down = true;
      this.#since = Date.now();
      this.logger.warn(
        { store: this.store, operation, err: error },
        `${this.store}: Redis is unavailable; task calls fail with UPSTREAM_UNAVAILABLE until it answers`,
      );
    }
    return new McpkitError(
      'UPSTREAM_UNAVAILABLE',
      `The ${this.store} is unavailable (could not ${operation}).`,
      {
        retryable: true,
        retryAfterMs: 1_000,
        hint: 'Tasks are kept in Redis, which does not answer right now; try again shortly.',
        details: { store: this.store },
        cause: error,
      },
    );
  }
}
