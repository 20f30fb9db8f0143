import { McpkitError } from '../engine/errors.js';
import type { RpcErrorObject, RpcId } from '../protocol/jsonrpc.js';

interface Waiter {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** Options of {@link PendingRequests}. */
export interface PendingRequestsOptions {
  /** How long the client gets to answer a server→client request, in milliseconds. Default: 60 000. */
  timeoutMs?: number;
  /** Most requests awaiting an answer at once; more are refused with a retryable error. Default: 10 000. */
  max?: number;
}

/**
 * Server→client requests awaiting the client's answer, keyed by the id the server chose. Each one
 * has a deadline and the number waiting is bounded: a client that never answers (or went away)
 * costs a bounded amount of memory for a bounded time.
 */
export class PendingRequests {
  readonly #waiting = new Map<RpcId, Waiter>();
  readonly #timeoutMs: number;
  readonly #max: number;
  #next = 0;

  constructor(options: PendingRequestsOptions = {}) {
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#max = options.max ?? 10_000;
  }

  /** Requests awaiting an answer now. */
  get size(): number {
    return this.#waiting.size;
  }

  /**
   * Reserves an id for a `method` request and returns it with a promise for the client's result.
   * Throws a retryable `UPSTREAM_UNAVAILABLE` when `max` requests are already waiting (send nothing then).
   */
  open(signal: AbortSignal, method = 'request'): { id: string; result: Promise<unknown> } {
    if (this.#waiting.size >= this.#max) {
      throw new McpkitError(
        'UPSTREAM_UNAVAILABLE',
        `Too many requests to clients are awaiting an answer (${this.#max}); ${method} was not sent.`,
        { retryAfterMs: 1_000, hint: 'Retry the call shortly.' },
      );
    }
    const id = `mcpkit-${(this.#next++).toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    const result = new Promise<unknown>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const settle = () => {
        this.#waiting.delete(id);
        signal.removeEventListener('abort', onAbort);
        if (timer !== undefined) clearTimeout(timer);
      };
      const onAbort = () => {
        settle();
        reject(signal.reason ?? new McpkitError('INTERNAL', 'The request was cancelled.'));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      timer = setTimeout(() => {
        settle();
        reject(
          new McpkitError(
            'UPSTREAM_TIMEOUT',
            `The client did not answer the server's ${method} request within ${this.#timeoutMs} ms.`,
            {
              retryable: true,
              details: { method, timeoutMs: this.#timeoutMs },
              hint: 'Answer requests from the server promptly, or retry the call.',
            },
          ),
        );
      }, this.#timeoutMs);
      // A pending answer alone must not keep the process alive.
      timer.unref?.();
      this.#waiting.set(id, {
        resolve: (value) => {
          settle();
          resolve(value);
        },
        reject: (error) => {
          settle();
          reject(error);
        },
      });
    });
    return { id, result };
  }

  /** Settles the request `id` with the client's answer; returns false for ids it does not know. */
  settle(id: RpcId, result: unknown, error: RpcErrorObject | undefined): boolean {
    const waiter = this.#waiting.get(id);
    if (!waiter) return false;
    if (error) {
      waiter.reject(
        new McpkitError(
          'UPSTREAM_ERROR',
          `The client answered the server's request with an error: ${error.message}`,
          {
            retryable: false,
            details: { clientError: { code: error.code, message: error.message } },
          },
        ),
      );
    } else waiter.resolve(result);
    return true;
  }

  /** Rejects everything still waiting (the connection closed). */
  rejectAll(reason: unknown): void {
    for (const waiter of [...this.#waiting.values()]) waiter.reject(reason);
    this.#waiting.clear();
  }
}
