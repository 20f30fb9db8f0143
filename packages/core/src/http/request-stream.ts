import { randomUUID } from 'node:crypto';
import type { Exchange } from '../exchange.js';
import type { PendingRequests } from '../pending-requests.js';
import type { EventStore } from './event-store.js';
import type { HttpSink } from './sink.js';

const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
};

/**
 * The output of one POST: a plain JSON response when the handler only returns a result, upgraded
 * to an event stream as soon as it sends anything else first (progress, logs, server requests).
 * With an event store the stream is resumable: events are recorded, a priming event carries the
 * reconnect delay, and a reconnecting GET with `Last-Event-ID` picks the stream up again.
 */
export class RequestStream implements Exchange {
  readonly #store: EventStore | undefined;
  readonly #retryMs: number;
  readonly #headers: Record<string, string>;
  #sink: HttpSink | undefined;
  #mode: 'json' | 'stream' | 'done' = 'json';
  readonly #onResumable: ((stream: RequestStream) => void) | undefined;
  readonly #pending: PendingRequests | undefined;
  /** The stream's id in the event store; set when a resumable stream opens. */
  id: string | undefined;

  constructor(
    sink: HttpSink,
    headers: Record<string, string>,
    store: EventStore | undefined,
    retryMs: number,
    onResumable?: (stream: RequestStream) => void,
    pending?: PendingRequests,
  ) {
    this.#onResumable = onResumable;
    this.#pending = pending;
    this.#sink = sink;
    this.#headers = headers;
    this.#store = store;
    this.#retryMs = retryMs;
  }

  /** True once the response is complete. */
  get done(): boolean {
    return this.#mode === 'done';
  }

  #upgrade(): void {
    if (this.#mode !== 'json') return;
    this.#mode = 'stream';
    let primingId: string | undefined;
    if (this.#store) {
      // Unguessable: a Last-Event-ID names the stream, and only its client may resume it.
      this.id = randomUUID();
      this.#onResumable?.(this);
      primingId = this.#store.append(this.id, '');
    }
    const sink = this.#sink;
    if (!sink?.open) return;
    sink.startStream({ ...SSE_HEADERS, ...this.#headers });
    if (primingId !== undefined) sink.write(`id: ${primingId}\nretry: ${this.#retryMs}\ndata: \n\n`);
  }

  #event(data: string): void {
    const eventId = this.id === undefined ? undefined : this.#store?.append(this.id, data);
    const sink = this.#sink;
    if (sink?.open)
      sink.write(eventId === undefined ? `data: ${data}\n\n` : `id: ${eventId}\ndata: ${data}\n\n`);
  }

  /** Exchange: a notification tied to this request (progress, logs). */
  notify(method: string, params: Record<string, unknown>): void {
    this.send({ jsonrpc: '2.0', method, params });
  }

  /** Exchange: a server→client request on this stream; the answer comes back in a separate POST. */
  request(method: string, params: Record<string, unknown>, signal: AbortSignal): Promise<unknown> {
    if (!this.#pending) return Promise.reject(new Error('This stream cannot carry requests to the client.'));
    const { id, result } = this.#pending.open(signal);
    this.send({ jsonrpc: '2.0', id, method, params });
    return result;
  }

  /** Exchange: see {@link closeConnection}. */
  closeStream(): boolean {
    return this.closeConnection();
  }

  /** Sends a notification or a server→client request on this stream (upgrading it to SSE). */
  send(message: object): void {
    if (this.#mode === 'done') return;
    this.#upgrade();
    this.#event(JSON.stringify(message));
  }

  /** Sends the final response and ends the exchange. */
  finish(status: number, body: string): void {
    if (this.#mode === 'done') return;
    if (this.#mode === 'json') {
      this.#mode = 'done';
      if (this.#sink?.open)
        this.#sink.send(status, Object.assign({ 'content-type': 'application/json' }, this.#headers), body);
      return;
    }
    this.#mode = 'done';
    this.#event(body);
    if (this.#sink?.open) this.#sink.end();
    if (this.id !== undefined) this.#store?.finish(this.id);
  }

  /**
   * Ends the current connection without ending the exchange: the client reconnects with
   * `Last-Event-ID` and receives what it missed. Only resumable streams can do this.
   */
  closeConnection(): boolean {
    if (!this.#store || this.#mode === 'done') return false;
    this.#upgrade();
    const sink = this.#sink;
    this.#sink = undefined;
    if (sink?.open) sink.end();
    return true;
  }

  /** Attaches a reconnecting client: replays what it missed, then continues live (or ends if finished). */
  resume(sink: HttpSink, missed: ReadonlyArray<{ id: string; data: string }>): void {
    sink.startStream({ ...SSE_HEADERS, ...this.#headers });
    for (const event of missed) if (event.data !== '') sink.write(`id: ${event.id}\ndata: ${event.data}\n\n`);
    if (this.#mode === 'done') {
      sink.end();
      return;
    }
    if (this.#sink?.open) this.#sink.end();
    this.#sink = sink;
  }
}

/**
 * Answers a reconnecting GET with `Last-Event-ID`: a live stream is resumed (what was missed, then
 * the rest as it comes); a finished one is replayed and closed. False when the id is unknown.
 */
export function replayStream(
  store: EventStore,
  live: ReadonlyMap<string, RequestStream>,
  lastEventId: string,
  sink: HttpSink,
): boolean {
  const replay = store.after(lastEventId);
  if (!replay) return false;
  const stream = live.get(replay.streamId);
  if (stream) {
    stream.resume(sink, replay.events);
    return true;
  }
  sink.startStream({ 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const event of replay.events)
    if (event.data !== '') sink.write(`id: ${event.id}\ndata: ${event.data}\n\n`);
  sink.end();
  return true;
}
