import type { ServerResponse } from 'node:http';
import type { ResponseBody } from './sink.js';

/** Bytes of `body` on the wire. */
export function byteLengthOf(body: ResponseBody): number {
  if (typeof body === 'string') return Buffer.byteLength(body);
  let length = 0;
  for (const part of body) length += typeof part === 'string' ? Buffer.byteLength(part) : part.byteLength;
  return length;
}

/** Ends `res` with `body`: pieces are written corked, so they leave in one write as one string would. */
export function endWith(res: ServerResponse, body: ResponseBody): void {
  if (typeof body === 'string') {
    res.end(body);
    return;
  }
  res.cork();
  const last = body.length - 1;
  for (let i = 0; i < last; i++) res.write(body[i] as string | Uint8Array);
  res.end(body[last]);
}

/**
 * Holds back the final write of complete responses until the end of the event-loop turn, then
 * writes them all at once.
 *
 * Under load one turn of the loop reads many requests, and most answer within the same turn. Sent
 * one by one, each response lands between the next requests' work, and every write on its own
 * wakes the peer that waits for it (on virtual machines a wake-up costs several times the write).
 * Written together at the end of the turn, the responses reach the peers in one burst: fewer
 * wake-ups on both sides and more requests per turn, which is how event-loop servers such as
 * Redis flush their replies. The cost is that a response waits for the rest of its turn: the
 * other requests read together with it.
 */
export class WriteBatch {
  readonly #queue: Array<ServerResponse | ResponseBody> = [];
  #scheduled = false;
  readonly #flush = () => this.flush();

  /** @param onError receives a write that threw (the other writes still go out). */
  constructor(private readonly onError: (error: unknown) => void) {}

  /** Ends `res` with `body` at the end of this turn of the event loop. */
  end(res: ServerResponse, body: ResponseBody): void {
    this.#queue.push(res, body);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#flush);
    }
  }

  /** Writes everything held back now (shutdown calls it before closing connections). */
  flush(): void {
    this.#scheduled = false;
    const queue = this.#queue.splice(0);
    for (let i = 0; i < queue.length; i += 2) {
      const res = queue[i] as ServerResponse;
      if (res.destroyed) continue;
      try {
        endWith(res, queue[i + 1] as ResponseBody);
      } catch (error) {
        this.onError(error);
        res.destroy();
      }
    }
  }
}
