import type { AuthIdentity } from '../../engine/context.js';
import { type EdgeDecision, HttpRefusal, toRefusal } from '../../engine/edge.js';
import type { Engine } from '../../engine/engine.js';
import { McpkitError } from '../../engine/errors.js';
import type { RpcId } from '../../protocol/jsonrpc.js';
import { requestIdFor, sendRefusal } from './edge-gate.js';
import type { PeerAddress } from './peer-address.js';
import type { HttpSink, ResponseBody } from './sink.js';

/**
 * The key per-caller bounds count under: the verified subject, else the client address; undefined
 * when neither is known (the fetch adapter sees no address), and then only the endpoint's bounds apply.
 */
export function callerKeyOf(
  auth: AuthIdentity | undefined,
  clientAddress: string | undefined,
): string | undefined {
  if (auth !== undefined) return `subject:${auth.subject}`;
  return clientAddress === undefined ? undefined : `address:${clientAddress}`;
}

/**
 * Counts the long-lived streams open on an endpoint, per caller and in all, and refuses one more
 * past either bound: the caller's bound with 429, the endpoint's with 503, both with `Retry-After`
 * and `Connection: close`, so a refused client also gives back its connection.
 */
export class StreamAdmission {
  readonly #perCaller = new Map<string, number>();
  #open = 0;

  constructor(
    private readonly max: number,
    private readonly maxPerCaller: number,
  ) {}

  /** Long-lived streams open now. */
  get open(): number {
    return this.#open;
  }

  /**
   * Admits one stream for the caller the guards decided (else the client address) and returns its
   * counted sink; past a bound answers the refusal on `sink` and returns undefined.
   */
  admitOrRefuse(
    server: Engine,
    sink: HttpSink,
    decision: EdgeDecision | undefined,
    peer: PeerAddress,
    id: RpcId | null,
  ): HttpSink | undefined {
    try {
      return this.admit(callerKeyOf(decision?.auth, peer.clientAddress), sink);
    } catch (error) {
      const refusal = toRefusal(error);
      if (!refusal) throw error;
      sendRefusal(sink, refusal, id, decision?.requestId ?? requestIdFor({}, server), decision?.headers);
      return undefined;
    }
  }

  /**
   * Admits one stream for `caller` and returns a sink that gives the slot back once the response
   * ends, is sent, or its client leaves; throws an {@link HttpRefusal} past a bound.
   */
  admit(caller: string | undefined, sink: HttpSink): HttpSink {
    const held = caller === undefined ? 0 : (this.#perCaller.get(caller) ?? 0);
    if (held >= this.maxPerCaller) {
      throw new HttpRefusal(
        new McpkitError(
          'RATE_LIMITED',
          `Too many open streams for this caller (${this.maxPerCaller}); close one before opening another.`,
          { retryAfterMs: 5_000, details: { limit: this.maxPerCaller } },
        ),
        { status: 429, headers: { connection: 'close' } },
      );
    }
    if (this.#open >= this.max) {
      throw new HttpRefusal(
        new McpkitError('UPSTREAM_UNAVAILABLE', 'This server has no room for another open stream.', {
          retryAfterMs: 5_000,
          hint: 'Retry shortly, or on another instance.',
          details: { limit: this.max },
        }),
        { status: 503, headers: { connection: 'close' } },
      );
    }
    this.#open++;
    if (caller !== undefined) this.#perCaller.set(caller, held + 1);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.#open--;
      if (caller === undefined) return;
      const left = (this.#perCaller.get(caller) ?? 1) - 1;
      if (left <= 0) this.#perCaller.delete(caller);
      else this.#perCaller.set(caller, left);
    };
    sink.onClose(release);
    return new CountedSink(sink, release);
  }
}

/** A sink that releases its stream slot when the response is over, however it ends. */
class CountedSink implements HttpSink {
  constructor(
    private readonly sink: HttpSink,
    private readonly release: () => void,
  ) {}

  send(status: number, headers: Record<string, string>, body: ResponseBody): void {
    this.release();
    this.sink.send(status, headers, body);
  }
  startStream(headers: Record<string, string>): void {
    this.sink.startStream(headers);
  }
  write(chunk: string): void {
    this.sink.write(chunk);
  }
  end(received?: () => void): void {
    this.release();
    this.sink.end(received);
  }
  get open(): boolean {
    return this.sink.open;
  }
  onClose(listener: () => void): void {
    this.sink.onClose(listener);
  }
}
