import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ProtocolError, RpcCode } from './rpc-error.js';

interface StatePayload {
  /** Answers gathered in earlier rounds, by input key. */
  a: Record<string, unknown>;
  /** Round number; makes every round's state distinct. */
  r: number;
  /** What the state is bound to (method, target and arguments), so it cannot be replayed elsewhere. */
  b: string;
  /** Expiry, in milliseconds since the epoch. */
  e: number;
  /** Random nonce. */
  n: string;
}

/** How long a minted request state stays valid. */
const STATE_TTL_MS = 15 * 60_000;

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** What a request state is bound to: the method, its target and (order-independently) its arguments. */
export function stateBinding(method: string, name: string | undefined, args: unknown): string {
  const digest = createHash('sha256')
    .update(canonical(args ?? {}))
    .digest('base64url');
  return `${method}:${name ?? ''}:${digest}`;
}

/** Signs and verifies the opaque `requestState` of multi-round requests (HMAC-SHA256). */
export class RequestStateCodec {
  readonly #key: Buffer;

  constructor(secret?: string) {
    this.#key = secret ? Buffer.from(secret, 'utf8') : randomBytes(32);
  }

  #mac(body: string): Buffer {
    return createHmac('sha256', this.#key).update(body).digest();
  }

  /** Mints the state for the next round. */
  encode(answers: Record<string, unknown>, round: number, binding: string): string {
    const payload: StatePayload = {
      a: answers,
      r: round,
      b: binding,
      e: Date.now() + STATE_TTL_MS,
      n: randomBytes(6).toString('base64url'),
    };
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${body}.${this.#mac(body).toString('base64url')}`;
  }

  /** Verifies and opens a state sent back by the client; tampered or foreign state is rejected. */
  decode(state: unknown, binding: string): { answers: Record<string, unknown>; round: number } {
    const reject = (why: string) =>
      new ProtocolError(RpcCode.INVALID_PARAMS, `Invalid requestState: ${why}.`, {
        hint: 'Send back the requestState exactly as the server returned it, or start the request again without one.',
      });
    if (typeof state !== 'string') throw reject('it must be the string the server returned');
    const dot = state.indexOf('.');
    if (dot <= 0) throw reject('malformed');
    const body = state.slice(0, dot);
    const given = Buffer.from(state.slice(dot + 1), 'base64url');
    const expected = this.#mac(body);
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      throw reject('integrity check failed');
    let payload: StatePayload;
    try {
      payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as StatePayload;
    } catch {
      throw reject('malformed');
    }
    if (payload.b !== binding) throw reject('it belongs to a different request');
    if (typeof payload.e !== 'number' || payload.e < Date.now()) throw reject('it has expired');
    return { answers: payload.a ?? {}, round: payload.r ?? 0 };
  }
}
