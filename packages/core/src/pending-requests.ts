import { McpkitError } from './errors.js';
import type { RpcErrorObject, RpcId } from './jsonrpc.js';

interface Waiter {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** Server→client requests awaiting the client's answer, keyed by the id the server chose. */
export class PendingRequests {
  readonly #waiting = new Map<RpcId, Waiter>();
  #next = 0;

  /** Reserves an id and returns it with a promise for the client's result. */
  open(signal: AbortSignal): { id: string; result: Promise<unknown> } {
    const id = `mcpkit-${(this.#next++).toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    const result = new Promise<unknown>((resolve, reject) => {
      const onAbort = () => {
        this.#waiting.delete(id);
        reject(signal.reason ?? new McpkitError('INTERNAL', 'The request was cancelled.'));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiting.set(id, {
        resolve: (value) => {
          signal.removeEventListener('abort', onAbort);
          resolve(value);
        },
        reject: (error) => {
          signal.removeEventListener('abort', onAbort);
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
    this.#waiting.delete(id);
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
    for (const waiter of this.#waiting.values()) waiter.reject(reason);
    this.#waiting.clear();
  }
}
