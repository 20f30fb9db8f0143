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
 * when the cancellation's signal aborts); `changed` runs after each change the port makes to the stored task.
 */
export function createTaskPort(
  taskId: string,
  store: TaskStore,
  cancellation: { readonly signal: AbortSignal },
  changed: () => void,
  logger: Logger,
): { port: TaskPort; hear(answers: Record<string, unknown>): void } {
  const waiting = new Set<(answers: Record<string, unknown>) => void>();
  let seq = 0;
  const port: TaskPort = {
    taskId,
    status(message) {
      // A status message is best effort: a store that cannot take it (Redis down) costs a log line, not the process.
      store.setStatusMessage(taskId, message).then(changed, (error: unknown) => {
        logger.warn({ err: error, taskId }, 'task status message could not be stored');
      });
    },
    ask: (requests) =>
      new Promise((resolve, reject) => {
        // The signal is made only when a task asks (an AbortSignal costs more than the rest of a create).
        const signal = cancellation.signal;
        // Keys are minted per request, so a late answer to an earlier question never fills a later one.
        const keys = new Map<string, string>();
        const minted: Record<string, InputRequestSpec> = {};
        for (const [name, spec] of Object.entries(requests)) {
          const key = `${CAPABILITY[spec.method]}-${seq++}`;
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
        store.requestInput(taskId, minted).then(changed, (error) => {
          done();
          reject(error);
        });
      }),
  };
  return {
    port,
    hear(answers) {
      for (const listener of waiting) listener(answers);
    },
  };
}
