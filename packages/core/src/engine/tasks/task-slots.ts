import { McpkitError } from '../errors.js';

/** What a task that finds a free slot waits on: one settled promise for all of them. */
const FREE = Promise.resolve();

/**
 * The `maxRunning` slots of one process's task handlers and the bounded queue behind them: a task
 * past the slots waits, oldest first; past the queue a new task is refused.
 */
export class TaskSlots {
  /** Tasks whose handler holds a slot. */
  readonly #held = new Set<string>();
  /** Tasks waiting for a slot, oldest first, each with what starts it. */
  readonly #queue = new Map<string, () => void>();
  /** Places taken by tasks being created (counted as queued until they acquire). */
  #reserved = 0;

  constructor(
    readonly maxRunning: number,
    readonly maxQueued: number,
  ) {}

  /**
   * Takes a place for a task about to be created, or throws a retryable `RATE_LIMITED` when every
   * slot is held and the queue is full, so no task is created. Follow with `acquire()`, or with
   * `unreserve()` if the task could not be created.
   */
  reserve(): void {
    if (
      this.#held.size + this.#reserved < this.maxRunning ||
      this.#queue.size + this.#reserved < this.maxQueued
    ) {
      this.#reserved++;
      return;
    }
    throw new McpkitError(
      'RATE_LIMITED',
      'The server runs and queues as many tasks as it can; try again later.',
      {
        retryable: true,
        retryAfterMs: 1_000,
        hint: 'Retry after retryAfterMs, or raise tasks.maxRunning / tasks.maxQueued of createServer() if this is normal load.',
        details: { maxRunning: this.maxRunning, maxQueued: this.maxQueued },
      },
    );
  }

  /**
   * Takes a slot for `taskId`: at once when one is free, else when the queue reaches it. Rejects
   * with the cancellation's reason, leaving the queue, when the task is cancelled or stopped while it waits.
   */
  acquire(taskId: string, cancellation: { readonly signal: AbortSignal }): Promise<void> {
    this.#reserved--;
    if (this.#held.size < this.maxRunning) {
      this.#held.add(taskId);
      return FREE;
    }
    // Only a task that waits needs its signal made.
    const signal = cancellation.signal;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.#queue.delete(taskId);
        reject(signal.reason);
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.#queue.set(taskId, () => {
        signal.removeEventListener('abort', onAbort);
        this.#held.add(taskId);
        resolve();
      });
    });
  }

  /** Gives back a place taken by `reserve()` for a task that was not created. */
  unreserve(): void {
    this.#reserved--;
  }

  /** Frees `taskId`'s slot, if it held one, and gives it to the oldest waiting task. */
  release(taskId: string): void {
    if (!this.#held.delete(taskId)) return;
    for (const [next, start] of this.#queue) {
      this.#queue.delete(next);
      start();
      return;
    }
  }
}
