import { McpkitError } from '../../engine/errors.js';

/** One call whose client went away: how to cancel it and whom it belongs to. */
export interface DetachedCall {
  /** Aborts the call's signal with `reason`. */
  cancel(reason: McpkitError): void;
  /** Legacy session id, when the call belongs to one. */
  readonly session: string | undefined;
  /** Caller key (verified subject, else client address); undefined when neither is known. */
  readonly caller: string | undefined;
}

/** Options of {@link DetachedCalls}. */
export interface DetachedCallsOptions {
  windowMs: number;
  perSession: number;
  perCaller: number;
  total: number;
}

interface Entry {
  call: DetachedCall;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * Resumable calls whose client disconnected. Each one may wait for its client to come back for a
 * bounded window, and only so many may wait per session, per caller and in all: past a session's
 * or caller's bound its own oldest detached call is cancelled (never someone else's); past the
 * total the call that just detached is cancelled at once.
 */
export class DetachedCalls {
  readonly #entries = new Map<object, Entry>();
  readonly #byKey = new Map<string, Set<object>>();

  constructor(private readonly options: DetachedCallsOptions) {}

  /** Calls waiting for their client now. */
  get size(): number {
    return this.#entries.size;
  }

  /** Starts the reconnect window of the call known as `handle`. */
  detach(handle: object, call: DetachedCall): void {
    if (this.#entries.has(handle)) return;
    const { windowMs, total } = this.options;
    if (this.#entries.size >= total) {
      call.cancel(
        new McpkitError(
          'UPSTREAM_UNAVAILABLE',
          'Too many calls are waiting for their clients to reconnect.',
          {
            details: { maxDetached: total },
          },
        ),
      );
      return;
    }
    this.#trim(call.session === undefined ? undefined : `s:${call.session}`, this.options.perSession);
    this.#trim(call.caller === undefined ? undefined : `c:${call.caller}`, this.options.perCaller);
    const timer = setTimeout(() => {
      this.forget(handle);
      call.cancel(
        new McpkitError(
          'UPSTREAM_TIMEOUT',
          `The client did not reconnect within ${windowMs} ms; the call was cancelled.`,
          { details: { reconnectWindowMs: windowMs } },
        ),
      );
    }, windowMs);
    timer.unref?.();
    this.#entries.set(handle, { call, timer });
    for (const key of keysOf(call)) {
      const set = this.#byKey.get(key) ?? new Set<object>();
      set.add(handle);
      this.#byKey.set(key, set);
    }
  }

  /** The client came back (or the call ended): the call stops waiting. */
  forget(handle: object): void {
    const entry = this.#entries.get(handle);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.#entries.delete(handle);
    for (const key of keysOf(entry.call)) {
      const set = this.#byKey.get(key);
      set?.delete(handle);
      if (set?.size === 0) this.#byKey.delete(key);
    }
  }

  /** Cancels the oldest detached calls under `key` until one more fits within `max`. */
  #trim(key: string | undefined, max: number): void {
    if (key === undefined) return;
    const set = this.#byKey.get(key);
    while (set !== undefined && set.size >= max && set.size > 0) {
      const oldest = set.values().next().value as object;
      const entry = this.#entries.get(oldest);
      this.forget(oldest);
      entry?.call.cancel(
        new McpkitError(
          'RATE_LIMITED',
          'Too many of this client’s calls were waiting for it to reconnect; the oldest was cancelled.',
          { details: { limit: max } },
        ),
      );
    }
  }
}

function keysOf(call: DetachedCall): string[] {
  const keys: string[] = [];
  if (call.session !== undefined) keys.push(`s:${call.session}`);
  if (call.caller !== undefined) keys.push(`c:${call.caller}`);
  return keys;
}
