import type { Exchange } from '../../engine/exchange.js';
import type { PendingRequests } from '../pending-requests.js';
import type { EventStore } from './event-store.js';
import { bodyText, type HttpSink, type ResponseBody } from './sink.js';
import { newStreamId } from './stream-id.js';

/** What the endpoint learns about a stream's life: when it becomes resumable, loses or regains its client. */
export interface StreamHooks {
  /** The stream upgraded to a resumable event stream (it now has an id). */
  onResumable?(stream: RequestStream): void;
  /** The client's connection went away (or the handler closed it) before the exchange ended. */
  onDetach?(stream: RequestStream): void;
  /** A reconnecting client took the stream over again. */
  onReattach?(stream: RequestStream): void;
}

/** The head of an event stream with the call's own headers (a fresh object: the sink owns it). */
function streamHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.assign(
    { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' },
    headers,
  );
}

/**
 * The output of one POST: a plain JSON response when the handler only returns a result, upgraded
 * to an event stream as soon as it sends anything else first (progress, logs, server requests).
 * With an event store the stream is resumable: events are recorded, a priming event carries the
 * reconnect delay, and a reconnecting GET with `Last-Event-ID` picks the stream up again. A
 * finished stream is dropped from the store as soon as its client is known to have read all of
 * it (it sent its next request on the same connection); otherwise it stays for the retention.
 */
export class RequestStream implements Exchange {
  readonly #store: EventStore | undefined;
  readonly #retryMs: number;
  readonly #headers: Record<string, string>;
  #sink: HttpSink | undefined;
  #mode: 'json' | 'stream' | 'done' = 'json';
  readonly #hooks: StreamHooks | undefined;
  readonly #pending: PendingRequests | undefined;
  /** The stream's id in the event store; set when a resumable stream opens. */
  id: string | undefined;

  constructor(
    sink: HttpSink,
    headers: Record<string, string>,
    store: EventStore | undefined,
    retryMs: number,
    hooks?: StreamHooks,
    pending?: PendingRequests,
  ) {
    this.#hooks = hooks;
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
      this.id = newStreamId();
      this.#hooks?.onResumable?.(this);
      primingId = this.#store.append(this.id, '');
    }
    const sink = this.#sink;
    if (!sink?.open) return;
    this.#watch(sink);
    sink.startStream(streamHeaders(this.#headers));
    if (primingId !== undefined) sink.write(`id: ${primingId}\nretry: ${this.#retryMs}\ndata: \n\n`);
  }

  /** Lets go of `sink` as soon as its client leaves: a detached stream keeps only what replay needs. */
  #watch(sink: HttpSink): void {
    sink.onClose(() => {
      if (this.#sink !== sink) return;
      this.#sink = undefined;
      // Only a resumable stream waits for its client; elsewhere the disconnect cancels the call.
      if (this.#mode !== 'done' && this.#store) this.#hooks?.onDetach?.(this);
    });
  }

  #event(data: string): void {
    const eventId = this.id === undefined ? undefined : this.#store?.append(this.id, data);
    const sink = this.#sink;
    if (sink?.open)
      sink.write(eventId === undefined ? `data: ${data}\n\n` : `id: ${eventId}\ndata: ${data}\n\n`);
  }

  /** Exchange: a notification tied to this request (progress, logs). */
  notify(method: string, params: Record<string, unknown>): void {
    if (this.#mode === 'done') return;
    this.#upgrade();
    // The envelope's text is fixed: only the method and the params are serialized.
    this.#event(`{"jsonrpc":"2.0","method":${JSON.stringify(method)},"params":${JSON.stringify(params)}}`);
  }

  /** Exchange: a server→client request on this stream; the answer comes back in a separate POST. */
  request(method: string, params: Record<string, unknown>, signal: AbortSignal): Promise<unknown> {
    if (!this.#pending) return Promise.reject(new Error('This stream cannot carry requests to the client.'));
    let opened: ReturnType<PendingRequests['open']>;
    try {
      opened = this.#pending.open(signal, method);
    } catch (error) {
      return Promise.reject(error);
    }
    this.send({ jsonrpc: '2.0', id: opened.id, method, params });
    return opened.result;
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

  /** Runs `listener` when the client's current connection goes away (at once when there is none). */
  onClientGone(listener: () => void): void {
    const sink = this.#sink;
    if (!sink?.open) listener();
    else sink.onClose(listener);
  }

  /** Ends the response without a final message (a listen stream that is over). */
  end(): void {
    this.#mode = 'done';
    const sink = this.#sink;
    this.#sink = undefined;
    if (sink?.open) sink.end();
  }

  /** Sends the final response and ends the exchange. */
  finish(status: number, body: ResponseBody): void {
    if (this.#mode === 'done') return;
    if (this.#mode === 'json') {
      this.#mode = 'done';
      if (this.#sink?.open)
        this.#sink.send(status, Object.assign({ 'content-type': 'application/json' }, this.#headers), body);
      return;
    }
    this.#mode = 'done';
    this.#event(bodyText(body));
    const sink = this.#sink;
    this.#sink = undefined;
    const id = this.id;
    const store = this.#store;
    if (id === undefined || store === undefined) {
      if (sink?.open) sink.end();
      return;
    }
    // Once the client is known to have read the whole stream nothing is left to resume: its events
    // go at once, so the store holds only running streams and those whose client may come back.
    if (sink?.open) sink.end(store.forget ? () => store.forget?.(id) : undefined);
    store.finish(id);
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
    if (sink !== undefined) this.#hooks?.onDetach?.(this);
    return true;
  }

  /** Attaches a reconnecting client: replays what it missed, then continues live (or ends if finished). */
  resume(sink: HttpSink, missed: ReadonlyArray<{ id: string; data: string }>): void {
    sink.startStream(streamHeaders(this.#headers));
    for (const event of missed) if (event.data !== '') sink.write(`id: ${event.id}\ndata: ${event.data}\n\n`);
    if (this.#mode === 'done') {
      sink.end();
      return;
    }
    const previous = this.#sink;
    this.#sink = sink;
    if (previous?.open) previous.end();
    this.#watch(sink);
    this.#hooks?.onReattach?.(this);
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
