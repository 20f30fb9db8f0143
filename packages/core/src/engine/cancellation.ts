/**
 * A request's cancellation. Most requests finish without anyone looking at their signal, so the
 * `AbortSignal` (costly to create) is only made when first asked for; `onFirstUse` then wires up
 * what can abort it (a client disconnect, say).
 */
export class Cancellation {
  #controller: AbortController | undefined;
  #aborted = false;
  #reason: unknown;
  #onFirstUse: (() => void) | undefined;

  constructor(onFirstUse?: () => void) {
    this.#onFirstUse = onFirstUse;
  }

  /** True once aborted. */
  get aborted(): boolean {
    return this.#aborted;
  }

  /** The signal, created on first use. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) {
        this.#controller.abort(this.#reason);
      } else {
        const hook = this.#onFirstUse;
        this.#onFirstUse = undefined;
        hook?.();
      }
    }
    return this.#controller.signal;
  }

  /** Aborts with `reason` (once). */
  abort(reason?: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }
}
