import { Cancellation } from '../../engine/cancellation.js';
import type { AuthIdentity } from '../../engine/context.js';
import type { RpcRequest } from '../../protocol/jsonrpc.js';
import { PendingRequests } from '../pending-requests.js';
import { DetachedCalls } from './detached-calls.js';
import type { EventStore } from './event-store.js';
import type { PeerAddress } from './peer-address.js';
import { RequestStream, type StreamHooks } from './request-stream.js';
import type { HttpSink } from './sink.js';
import { callerKeyOf } from './stream-admission.js';
import type { ResolvedStreamLimits } from './stream-limits.js';

/** What the endpoint holds for calls right now (for tests, soaks and dashboards). */
export interface HttpCallUsage {
  /** Calls being served. */
  calls: number;
  /** Resumable streams of calls still running (their clients attached or not). */
  resumableStreams: number;
  /** Calls whose client went away, waiting within the reconnect window. */
  detachedCalls: number;
  /** Server→client requests awaiting the client's answer. */
  pendingClientRequests: number;
  /** Long-lived streams open (`subscriptions/listen`, standalone and resumed `GET` streams). */
  openStreams: number;
}

/** One call being served: its output stream and its cancellation. */
export interface OpenCall {
  readonly stream: RequestStream;
  readonly cancellation: Cancellation;
  /** Releases everything the endpoint holds for the call; run once when it ends. */
  close(): void;
}

/** What {@link HttpCalls.open} needs to know about a call. */
export interface CallInfo {
  request: RpcRequest;
  era: 'legacy' | 'modern';
  resumable: boolean;
  sessionId: string | undefined;
  auth: AuthIdentity | undefined;
  peer: PeerAddress;
}

/**
 * The calls an HTTP endpoint is serving: their resumable streams (for `Last-Event-ID`), their
 * cancellations by JSON-RPC id (for `notifications/cancelled`), their server→client requests, and
 * the reconnect windows of those whose client went away. Every structure here holds a call only
 * while it runs, and detached calls are bounded in time and number.
 */
export class HttpCalls {
  /** Live resumable streams by id. */
  readonly streams = new Map<string, RequestStream>();
  readonly pending: PendingRequests;
  readonly #detached: DetachedCalls;
  /** In-flight legacy calls by `session:rpcId`, for `notifications/cancelled`. */
  readonly #byRpcId = new Map<string, Cancellation[]>();
  #calls = 0;

  constructor(limits: ResolvedStreamLimits) {
    this.pending = new PendingRequests({
      timeoutMs: limits.clientRequestTimeoutMs,
      max: limits.maxPendingClientRequests,
    });
    this.#detached = new DetachedCalls({
      windowMs: limits.reconnectWindowMs,
      perSession: limits.maxDetachedPerSession,
      perCaller: limits.maxDetachedPerCaller,
      total: limits.maxDetached,
    });
  }

  /** What is held now; `openStreams` is filled in by the endpoint. */
  usage(openStreams: number): HttpCallUsage {
    return {
      calls: this.#calls,
      resumableStreams: this.streams.size,
      detachedCalls: this.#detached.size,
      pendingClientRequests: this.pending.size,
      openStreams,
    };
  }

  /** Cancels the legacy call `rpcId` of `sessionId` when exactly one matches (without a session two clients may share an id). */
  cancel(sessionId: string | undefined, rpcId: unknown): void {
    const found = this.#byRpcId.get(`${sessionId ?? ''}:${String(rpcId)}`);
    if (found?.length === 1) found[0]?.abort(new Error('Cancelled by the client.'));
  }

  /** Registers a call and makes its stream and cancellation. */
  open(
    sink: HttpSink,
    headers: Record<string, string>,
    events: EventStore | undefined,
    retryMs: number,
    info: CallInfo,
  ): OpenCall {
    const key = info.era === 'legacy' ? `${info.sessionId ?? ''}:${String(info.request.id)}` : undefined;
    const call = new HttpCall(
      this,
      this.#detached,
      sink,
      headers,
      info.resumable ? events : undefined,
      retryMs,
      info,
      key,
    );
    if (key !== undefined) {
      const peers = this.#byRpcId.get(key);
      if (peers) peers.push(call.cancellation);
      else this.#byRpcId.set(key, [call.cancellation]);
    }
    this.#calls++;
    return call;
  }

  /** Forgets what {@link open} registered for `call` (its {@link OpenCall.close}). */
  closed(call: HttpCall, key: string | undefined): void {
    this.#calls--;
    if (key !== undefined) {
      const peers = this.#byRpcId.get(key);
      if (peers !== undefined) {
        if (peers.length === 1 && peers[0] === call.cancellation) this.#byRpcId.delete(key);
        else {
          const rest = peers.filter((c) => c !== call.cancellation);
          if (rest.length === 0) this.#byRpcId.delete(key);
          else this.#byRpcId.set(key, rest);
        }
      }
    }
    const id = call.stream.id;
    if (id !== undefined) this.streams.delete(id);
    this.#detached.forget(call.stream);
  }
}

/**
 * One open call: it is the stream's hooks and the call's handle at once, so opening a call makes
 * one object here instead of a closure per hook. No field may hold `sink`: a call may outlive its
 * connection, the socket must not.
 */
class HttpCall implements OpenCall, StreamHooks {
  readonly stream: RequestStream;
  readonly cancellation: Cancellation;
  readonly #calls: HttpCalls;
  readonly #detached: DetachedCalls;
  readonly #info: CallInfo;
  readonly #key: string | undefined;

  constructor(
    calls: HttpCalls,
    detached: DetachedCalls,
    sink: HttpSink,
    headers: Record<string, string>,
    events: EventStore | undefined,
    retryMs: number,
    info: CallInfo,
    key: string | undefined,
  ) {
    this.#calls = calls;
    this.#detached = detached;
    this.#info = info;
    this.#key = key;
    this.stream = new RequestStream(sink, headers, events, retryMs, this, calls.pending);
    // The signal is made (and the disconnect watched) only when the handler asks for it. A
    // resumable stream that reached its client may be resumed: its disconnect starts the reconnect
    // window instead; anywhere else a disconnect is a cancellation.
    this.cancellation = new Cancellation(() => this.stream.onClientGone(() => this.#clientGone()));
  }

  #clientGone(): void {
    const stream = this.stream;
    if (!this.#info.resumable || stream.done || stream.id === undefined)
      this.cancellation.abort(new Error('The client disconnected.'));
  }

  onResumable(opened: RequestStream): void {
    // The socket may be gone by the time anyone asks for the address: read it now.
    this.#info.peer.pin();
    this.#calls.streams.set(opened.id as string, opened);
  }

  onDetach(gone: RequestStream): void {
    const info = this.#info;
    this.#detached.detach(gone, {
      cancel: (reason) => this.cancellation.abort(reason),
      session: info.sessionId,
      caller: callerKeyOf(info.auth, info.peer.clientAddress),
    });
  }

  onReattach(back: RequestStream): void {
    this.#detached.forget(back);
  }

  close(): void {
    this.#calls.closed(this, this.#key);
  }
}
