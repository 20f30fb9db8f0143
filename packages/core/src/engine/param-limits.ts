import { ProtocolError, RpcCode } from '../protocol/rpc-error.js';

/** Limits on what a request names or makes the server keep (`requestLimits` of `createServer`); past them, invalid params. */
export interface ParamLimits {
  /** Longest resource URI accepted (`resources/read`, `resources/(un)subscribe`, completion refs). Default: 8 192. */
  maxUriLength?: number;
  /** Longest tool, prompt or completion-argument name accepted. Default: 256. */
  maxNameLength?: number;
  /** Longest pagination cursor accepted on list methods. Default: 1 024. */
  maxCursorLength?: number;
  /** Most resource subscriptions one legacy session (or stdio connection) keeps. Default: 1 000. */
  maxSubscriptions?: number;
}

const LIST_METHODS = new Set(['tools/list', 'prompts/list', 'resources/list', 'resources/templates/list']);

function tooLong(what: string, max: number, length: number): ProtocolError {
  return new ProtocolError(
    RpcCode.INVALID_PARAMS,
    `Invalid params: ${what} is ${length} characters long; the limit is ${max}.`,
    { limit: max, length },
  );
}

/**
 * Checks the sizes a caller controls before anything looks them up, so an over-long URI, name or
 * cursor is the caller's error (-32602 with a clear message), never a server fault, and nothing
 * echoes or stores a megabyte of it.
 */
export class ParamLimitCheck {
  readonly #uri: number;
  readonly #name: number;
  readonly #cursor: number;
  readonly #subscriptions: number;

  constructor(limits: ParamLimits = {}) {
    this.#uri = limits.maxUriLength ?? 8_192;
    this.#name = limits.maxNameLength ?? 256;
    this.#cursor = limits.maxCursorLength ?? 1_024;
    this.#subscriptions = limits.maxSubscriptions ?? 1_000;
  }

  /** Throws a -32602 {@link ProtocolError} when subscribing to `uri` would exceed the session's bound. */
  checkSubscription(subscriptions: ReadonlySet<string>, uri: string): void {
    if (subscriptions.size < this.#subscriptions || subscriptions.has(uri)) return;
    throw new ProtocolError(
      RpcCode.INVALID_PARAMS,
      `Invalid params: this session already holds ${subscriptions.size} subscriptions, the limit; unsubscribe from some first.`,
      { limit: this.#subscriptions },
    );
  }

  /** Throws a -32602 {@link ProtocolError} when `params` of `method` carry an over-long value. */
  check(method: string, params: Record<string, unknown>): void {
    switch (method) {
      case 'tools/call':
      case 'prompts/get':
        this.#string('"name"', params.name, this.#name);
        return;
      case 'resources/read':
      case 'resources/subscribe':
      case 'resources/unsubscribe':
        this.#string('"uri"', params.uri, this.#uri);
        return;
      case 'completion/complete': {
        const ref = params.ref as { name?: unknown; uri?: unknown } | undefined;
        const argument = params.argument as { name?: unknown } | undefined;
        this.#string('"ref.name"', ref?.name, this.#name);
        this.#string('"ref.uri"', ref?.uri, this.#uri);
        this.#string('"argument.name"', argument?.name, this.#name);
        return;
      }
    }
    if (LIST_METHODS.has(method) && params.cursor !== undefined) {
      if (typeof params.cursor !== 'string') {
        throw new ProtocolError(RpcCode.INVALID_PARAMS, 'Invalid params: "cursor" must be a string.');
      }
      this.#string('"cursor"', params.cursor, this.#cursor);
    }
  }

  #string(what: string, value: unknown, max: number): void {
    if (typeof value === 'string' && value.length > max) throw tooLong(what, max, value.length);
  }
}
