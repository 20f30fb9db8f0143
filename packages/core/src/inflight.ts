import type { Cancellation } from './cancellation.js';
import { McpkitError } from './errors.js';

/** How long aborted requests get to write their (error) responses before connections close. */
const SETTLE_MS = 1_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The requests in flight on one transport (or, as the root, on a whole server) and its draining
 * state. A child tracker counts into its parent and starts closing when the parent does, so a
 * server-wide shutdown reaches every transport while each transport can also close on its own.
 */
export class Inflight {
  readonly #controllers = new Set<Cancellation>();
  readonly #closeListeners = new Set<() => void>();
  readonly #parent: Inflight | undefined;
  #closing = false;

  constructor(parent?: Inflight) {
    this.#parent = parent;
    parent?.onClose(() => this.#startClosing());
  }

  /** True once draining started here or in the parent: new requests are refused. */
  get closing(): boolean {
    return this.#closing || (this.#parent?.closing ?? false);
  }

  /** Requests in flight. */
  get size(): number {
    return this.#controllers.size;
  }

  /** Registers a request (also with the parent). */
  add(request: Cancellation): void {
    this.#controllers.add(request);
    this.#parent?.add(request);
  }

  /** Releases a finished request. */
  delete(request: Cancellation): void {
    this.#controllers.delete(request);
    this.#parent?.delete(request);
  }

  /** Runs `listener` once when draining starts (long-lived streams end then); returns an unsubscribe function. */
  onClose(listener: () => void): () => void {
    this.#closeListeners.add(listener);
    return () => this.#closeListeners.delete(listener);
  }

  #startClosing(): void {
    if (this.#closing) return;
    this.#closing = true;
    for (const listener of [...this.#closeListeners]) listener();
  }

  /**
   * Stops taking requests, waits up to `graceMs` for the ones in flight, then aborts their
   * signals with a retryable `UPSTREAM_UNAVAILABLE` error and gives them a moment to answer.
   */
  async drain(graceMs: number): Promise<void> {
    this.#startClosing();
    const deadline = Date.now() + graceMs;
    while (this.#controllers.size > 0 && Date.now() < deadline) await sleep(10);
    if (this.#controllers.size === 0) return;
    const reason = new McpkitError('UPSTREAM_UNAVAILABLE', 'The server is shutting down.', {
      retryable: true,
      hint: 'Retry the call; another instance (or this one, once restarted) will take it.',
    });
    for (const controller of this.#controllers) controller.abort(reason);
    const settle = Date.now() + SETTLE_MS;
    while (this.#controllers.size > 0 && Date.now() < settle) await sleep(10);
  }
}
