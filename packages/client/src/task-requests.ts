import type { TransportSendOptions } from '@modelcontextprotocol/client';
import { RemoteError } from './remote-error.js';
import { rpcErrorOf, sendErrorOf } from './task-errors.js';
import { atDeadline } from './task-wait.js';

type Message = Record<string, unknown>;

interface Pending {
  resolve: (result: Record<string, unknown>) => void;
  reject: (error: unknown) => void;
}

/** How {@link TaskRequests} sends: the transport's send (through the client's authorization retry) and the request framing. */
export interface TaskRequestsOptions {
  send: (message: Message, sendOptions: TransportSendOptions) => Promise<void>;
  /** The params as they leave (the modern era adds the request envelope). */
  frame: (params: Record<string, unknown>) => Record<string, unknown>;
}

/**
 * The Tasks channel's own requests (`tasks/get`, `tasks/update`, `tasks/cancel`, task-augmented
 * `tools/call`): sent with ids of their own, matched to their answers, each with its abort and deadline.
 */
export class TaskRequests {
  readonly #options: TaskRequestsOptions;
  readonly #pending = new Map<string, Pending>();
  #nextId = 0;

  constructor(options: TaskRequestsOptions) {
    this.#options = options;
  }

  /** Requests waiting for their answer. */
  get size(): number {
    return this.#pending.size;
  }

  /** Sends one request and resolves to its raw result. */
  request(
    method: string,
    params: Record<string, unknown>,
    options: { signal?: AbortSignal | undefined; deadline: number },
  ): Promise<Record<string, unknown>> {
    const id = `mcpkit-task-${++this.#nextId}`;
    const framed = this.#options.frame(params);
    return new Promise((resolve, reject) => {
      const { signal } = options;
      const aborted = new AbortController();
      const done = () => {
        disarm();
        signal?.removeEventListener('abort', onAbort);
        this.#pending.delete(id);
      };
      const onAbort = () => {
        done();
        aborted.abort(signal?.reason);
        reject(signal?.reason);
      };
      const disarm = atDeadline(options.deadline, () => {
        done();
        aborted.abort();
        reject(
          new RemoteError('UPSTREAM_TIMEOUT', `The server did not answer ${method} in time.`, {
            retryable: true,
            hint: 'Raise `timeoutMs` if the task is expected to take longer.',
          }),
        );
      });
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#pending.set(id, {
        resolve: (result) => {
          done();
          resolve(result);
        },
        reject: (error) => {
          done();
          reject(error);
        },
      });
      this.#options
        .send({ jsonrpc: '2.0', id, method, params: framed }, { requestSignal: aborted.signal })
        .catch((error: unknown) => {
          if (!this.#pending.has(id)) return;
          done();
          reject(sendErrorOf(method, error));
        });
    });
  }

  /** Settles the request an incoming answer is for; true when it was one of ours. */
  settle(message: Message): boolean {
    const id = message.id;
    const pending = typeof id === 'string' ? this.#pending.get(id) : undefined;
    if (!pending) return false;
    const error = message.error as { code: number; message: string; data?: unknown } | undefined;
    if (error) pending.reject(rpcErrorOf(error));
    else pending.resolve((message.result ?? {}) as Record<string, unknown>);
    return true;
  }

  /** Rejects every request still waiting (the client closed). */
  rejectAll(error: () => unknown): void {
    for (const pending of [...this.#pending.values()]) pending.reject(error());
  }
}
