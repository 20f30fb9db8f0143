import type { Cancellation } from './cancellation.js';
import { McpkitError } from './errors.js';

/** How long aborted requests get to write their (error) responses before connections close. */
const SETTLE_MS = 1_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The requests in flight on one transport (or, as the root, on a whole server) and its draining
 * state. A child tracker belongs to its parent and starts closing when the parent does, so a
 * server-wide shutdown reaches every transport while each transport can also close on its own.
 * Adding and removing a request touches only the child's own set: the hot path stays O(1).
 */
export class Inflight {
  readonly #requests = new Set<Cancellation>();
  readonly #children = new Set<Inflight>();
  readonly #closeListeners = new Set<() => void>();
  readonly #parent: Inflight | undefined;
  readonly #unwatchParent: (() => void) | undefined;
  #closing = false;

  constructor(parent?: Inflight) {
    this.#parent = parent;
    if (parent) {
      parent.#children.add(this);
      this.#unwatchParent = parent.onClose(() => this.#startClosing());
    }
  }

  /** True once draining started here or in the parent: new requests are refused. */
  get closing(): boolean {
    return this.#closing || (this.#parent?.closing ?? false);
  }

  /** Requests in flight here and in every child. */
  get size(): number {
    let size = this.#requests.size;
    for (const child of this.#children) size += child.size;
    return size;
  }

  /** Registers a request. */
  add(request: Cancellation): void {
    this.#requests.add(request);
  }

  /** Releases a finished request. */
  delete(request: Cancellation): void {
    this.#requests.delete(request);
  }

  /** Detaches a child whose transport is gone. */
  dispose(): void {
    if (this.#parent) this.#parent.#children.delete(this);
    this.#unwatchParent?.();
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

  #abortAll(reason: unknown): void {
    for (const request of this.#requests) request.abort(reason);
    for (const child of this.#children) child.#abortAll(reason);
  }

  /**
   * Stops taking requests, waits up to `graceMs` for the ones in flight, then aborts their
   * signals with a retryable `UPSTREAM_UNAVAILABLE` error and gives them a moment to answer.
   */
  async drain(graceMs: number): Promise<void> {
    this.#startClosing();
    const deadline = Date.now() + graceMs;
    while (this.size > 0 && Date.now() < deadline) await sleep(10);
    if (this.size === 0) return;
    this.#abortAll(
      new McpkitError('UPSTREAM_UNAVAILABLE', 'The server is shutting down.', {
        retryable: true,
        hint: 'Retry the call; another instance (or this one, once restarted) will take it.',
      }),
    );
    const settle = Date.now() + SETTLE_MS;
    while (this.size > 0 && Date.now() < settle) await sleep(10);
  }
}
