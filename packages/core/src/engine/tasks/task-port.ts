import type { Logger } from '../../observability/logger.js';
import type { InputRequestSpec } from '../context.js';
import type { TaskStore } from './task-store.js';

/** What a detached handler's context uses to ask for input and report status. */
export interface TaskPort {
  readonly taskId: string;
  ask(requests: Record<string, InputRequestSpec>): Promise<Record<string, unknown>>;
  status(message: string): void;
}

const CAPABILITY = {
  'elicitation/create': 'elicitation',
  'sampling/createMessage': 'sampling',
  'roots/list': 'roots',
} as const;

/**
 * A running task's port and the way its answers reach it: `ask()` stores input requests under
 * fresh keys and resolves once `hear()` has delivered an answer for every one of them (or rejects
 * when the cancellation's signal aborts); `changed` runs after each change the port makes to the
 * stored task. One object per task, with nothing made until the handler asks or reports.
 */
export class TaskChannel implements TaskPort {
  /** Questions waiting for their answers; made on the first `ask()`. */
  #waiting: Set<(answers: Record<string, unknown>) => void> | undefined;
  #seq = 0;

  constructor(
    readonly taskId: string,
    private readonly store: TaskStore,
    private readonly cancellation: { readonly signal: AbortSignal },
    private readonly changed: () => void,
    private readonly logger: Logger,
  ) {}

  status(message: string): void {
    // A status message is best effort: a store that cannot take it (Redis down) costs a log line, not the process.
    this.store.setStatusMessage(this.taskId, message).then(this.changed, (error: unknown) => {
      this.logger.warn({ err: error, taskId: this.taskId }, 'task status message could not be stored');
    });
  }

  ask(requests: Record<string, InputRequestSpec>): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      // The signal is made only when a task asks (an AbortSignal costs more than the rest of a create).
      const signal = this.cancellation.signal;
      this.#waiting ??= new Set();
      const waiting = this.#waiting;
      // Keys are minted per request, so a late answer to an earlier question never fills a later one.
      const keys = new Map<string, string>();
      const minted: Record<string, InputRequestSpec> = {};
      for (const [name, spec] of Object.entries(requests)) {
        const key = `${CAPABILITY[spec.method]}-${this.#seq++}`;
        keys.set(key, name);
        minted[key] = spec;
      }
      const out: Record<string, unknown> = {};
      const done = () => {
        waiting.delete(listener);
        signal.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        done();
        reject(signal.reason);
      };
      const listener = (answers: Record<string, unknown>) => {
        for (const [key, value] of Object.entries(answers)) {
          const name = keys.get(key);
          if (name === undefined) continue;
          out[name] = value;
          keys.delete(key);
        }
        if (keys.size === 0) {
          done();
          resolve(out);
        }
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      waiting.add(listener);
      this.store.requestInput(this.taskId, minted).then(this.changed, (error) => {
        done();
        reject(error);
      });
    });
  }

  /** Delivers answers the store heard for this task to the questions waiting for them. */
  hear(answers: Record<string, unknown>): void {
    if (this.#waiting === undefined) return;
    for (const listener of this.#waiting) listener(answers);
  }
}
