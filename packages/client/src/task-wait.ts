import { RemoteError } from './remote-error.js';

/** The longest delay `setTimeout` honours (a longer one fires at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Runs `fn` once `deadline` (epoch ms) passes; a deadline further out than a timer can wait (or
 * `Infinity`) is waited for in steps. Returns the function that disarms it.
 */
export function atDeadline(deadline: number, fn: () => void): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    const left = deadline - Date.now();
    if (left <= 0) return fn();
    timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
  };
  // Never (no deadline): nothing to arm.
  if (!(deadline < Number.POSITIVE_INFINITY)) return () => undefined;
  arm();
  return () => clearTimeout(timer);
}

/** The error a task followed past its call's deadline ends with. */
export function deadlineError(): RemoteError {
  return new RemoteError('UPSTREAM_TIMEOUT', 'The task did not finish within the call deadline.', {
    retryable: true,
    hint: 'Raise `timeoutMs` (per call or on the client) for long tasks.',
  });
}

/**
 * One signal for following a task: aborts when any of `signals` aborts or when `deadline` passes
 * (with {@link deadlineError}). `dispose()` detaches it from its sources.
 */
export function followSignal(
  signals: ReadonlyArray<AbortSignal | undefined>,
  deadline: number,
): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const sources = signals.filter((signal): signal is AbortSignal => signal !== undefined);
  const listeners = sources.map((source) => {
    const onAbort = () => controller.abort(source.reason);
    return { source, onAbort };
  });
  const disarm = atDeadline(deadline, () => controller.abort(deadlineError()));
  const dispose = () => {
    disarm();
    for (const { source, onAbort } of listeners) source.removeEventListener('abort', onAbort);
  };
  for (const { source, onAbort } of listeners) {
    if (source.aborted) {
      onAbort();
      break;
    }
    source.addEventListener('abort', onAbort, { once: true });
  }
  controller.signal.addEventListener('abort', dispose, { once: true });
  return { signal: controller.signal, dispose };
}

/** Settles like `promise`, or rejects with the signal's reason as soon as it aborts. */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Waits `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
