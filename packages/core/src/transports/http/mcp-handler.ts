import type { EdgeDecision, EdgeGuard } from '../../engine/edge.js';
import type { Engine } from '../../engine/engine.js';
import type { CallEnv } from '../../engine/exchange.js';
import type { Inflight } from '../../engine/inflight.js';
import { claimsModern, type Envelope, unsupportedVersion } from '../../protocol/envelope.js';
import { type Inbound, type RpcRequest, rpcError } from '../../protocol/jsonrpc.js';
import { type LegacyState, undescribedState } from '../../protocol/legacy-state.js';
import { ProtocolError, RpcCode } from '../../protocol/rpc-error.js';
import { isLegacyVersion, isModernVersion } from '../../protocol/versions.js';
import { clientAddressOf, type TrustProxy } from './client-address.js';
import { serveClientMessage } from './client-message.js';
import { passEdge, reportRefusal, requestIdFor, sendCodedRefusal } from './edge-gate.js';
import { createMemoryEventStore, type EventStore } from './event-store.js';
import { serveExtraRoute } from './extra-route.js';
import type { HttpHandlerOptions } from './handler-options.js';
import { checkModernRequest } from './header-checks.js';
import { serveHealth } from './health-endpoint.js';
import { checkHostAndOrigin } from './host-check.js';
import { HttpCalls, type HttpCallUsage, type OpenCall } from './http-calls.js';
import { serveInitialize } from './initialize.js';
import { jsonError, jsonHeaders, sendProtocolError } from './json-response.js';
import { LegacySessions } from './legacy-sessions.js';
import { serveListenStream } from './listen-stream.js';
import { PeerAddress } from './peer-address.js';
import { checkPostHeaders, EdgeRejection, parseMessage, tooLarge } from './read-message.js';
import { type SessionCaller, sessionCaller } from './session-caller.js';
import { serveDelete, serveGet } from './session-requests.js';
import { shuttingDown } from './shutting-down.js';
import { BodyTooLargeError, type HttpRequestInfo, type HttpSink, responseWithResult } from './sink.js';
import { StreamAdmission } from './stream-admission.js';
import { resolveStreamLimits } from './stream-limits.js';

const DONE: Promise<void> = Promise.resolve();

/** The transport-neutral Streamable HTTP endpoint: both eras, sessions, resumable streams and health. */
export class McpHttpHandler {
  readonly #server: Engine;
  readonly #path: string;
  readonly #maxBody: number;
  readonly #hosts: ReadonlySet<string> | undefined;
  readonly #origins: ReadonlySet<string> | undefined;
  readonly #sessions: LegacySessions | undefined;
  readonly #bindAddress: boolean;
  readonly #events: EventStore | undefined;
  readonly #retryMs: number;
  readonly #legacy: boolean;
  readonly #health: boolean;
  readonly #tracker: Inflight;
  readonly #guards: readonly EdgeGuard[];
  readonly #calls: HttpCalls;
  readonly #admission: StreamAdmission;
  readonly #trust: TrustProxy | undefined;

  constructor(server: Engine, options: HttpHandlerOptions = {}) {
    this.#server = server;
    this.#tracker = server.openInflight();
    this.#guards = server.guards;
    this.#path = options.path ?? '/mcp';
    this.#maxBody = options.maxBodyBytes ?? 4 * 1024 * 1024;
    this.#hosts = options.allowedHosts?.length
      ? new Set(options.allowedHosts.map((h) => h.toLowerCase()))
      : undefined;
    this.#origins = options.allowedOrigins?.length
      ? new Set(options.allowedOrigins.map((o) => o.toLowerCase()))
      : undefined;
    this.#sessions = LegacySessions.fromOption(options.sessions);
    this.#bindAddress =
      typeof options.sessions === 'object' ? (options.sessions.bindAddress ?? false) : false;
    this.#events =
      options.eventStore === false ? undefined : (options.eventStore ?? createMemoryEventStore());
    this.#retryMs = options.retryMs ?? 1_000;
    this.#legacy = options.legacy ?? true;
    this.#health = options.health ?? true;
    this.#trust = options.trustProxy;
    const limits = resolveStreamLimits(options.streamLimits);
    this.#calls = new HttpCalls(limits);
    this.#admission = new StreamAdmission(limits.maxStreams, limits.maxStreamsPerCaller);
    if (this.#sessions) {
      const sessions = this.#sessions;
      server.onChange((event) => void sessions.broadcast(event));
    }
  }

  /** Requests in flight on this endpoint. */
  get inflight(): number {
    return this.#tracker.size;
  }

  /** What the endpoint holds for calls and streams now. */
  usage(): HttpCallUsage {
    return this.#calls.usage(this.#admission.open);
  }

  /** Stops taking requests here, waits up to `graceMs` for those in flight, then aborts them. */
  drain(graceMs: number): Promise<void> {
    return this.#tracker.drain(graceMs);
  }

  /** Handles one HTTP request. Never throws; every failure is answered. */
  handle(req: HttpRequestInfo, sink: HttpSink): Promise<void> {
    // Not async: most requests are answered without awaiting anything but the dispatch itself.
    try {
      const pending = this.#route(req, sink);
      return pending ? pending.catch((error) => this.#crashed(error, sink)) : DONE;
    } catch (error) {
      this.#crashed(error, sink);
      return DONE;
    }
  }

  /**
   * Who sends a session request: the verified identity a guard attached, else the client's address
   * under the `trustProxy` rule (the same address per-caller stream limits and rate limits use).
   */
  #caller(req: HttpRequestInfo, decision: EdgeDecision | undefined): SessionCaller {
    if (decision?.auth !== undefined) return sessionCaller(decision.auth, undefined, this.#bindAddress);
    const client = clientAddressOf(req.remoteAddress, req.headers['x-forwarded-for'], this.#trust);
    return sessionCaller(undefined, client, this.#bindAddress);
  }

  #crashed(error: unknown, sink: HttpSink): void {
    this.#server.logger.error({ err: error }, 'HTTP request failed');
    if (sink.open) jsonError(sink, 500, RpcCode.INTERNAL_ERROR, 'Internal error.');
  }

  /** Largest accepted request body in bytes (adapters that read bodies themselves enforce it). */
  get maxBodyBytes(): number {
    return this.#maxBody;
  }

  /** Logs and counts a request refused before the guards ran (see {@link reportRefusal}). */
  #refused(req: HttpRequestInfo, status: number, errorCode: string, reason: string): void {
    reportRefusal(this.#server, req.headers, {
      requestId: requestIdFor(req.headers, this.#server),
      status,
      errorCode,
      reason,
    });
  }

  // Not async: every branch returns its own promise (or nothing), which saves a hop per request.
  #route(req: HttpRequestInfo, sink: HttpSink): Promise<void> | void {
    if (this.#health && req.method === 'GET' && (req.path === '/healthz' || req.path === '/readyz')) {
      return serveHealth(this.#server, req.path, this.#tracker.closing, sink);
    }
    const extra = req.path === this.#path ? undefined : this.#server.routes.get(req.path);
    if (req.path !== this.#path && extra === undefined) {
      return jsonError(
        sink,
        404,
        RpcCode.INVALID_REQUEST,
        `Not Found: no endpoint at ${req.path}; MCP is served at ${this.#path}.`,
      );
    }
    if (this.#hosts || this.#origins) {
      const refusal = checkHostAndOrigin(req.headers, this.#hosts, this.#origins);
      if (refusal) {
        this.#refused(req, 403, 'FORBIDDEN', refusal);
        return jsonError(sink, 403, RpcCode.INVALID_REQUEST, `Forbidden: ${refusal}`);
      }
    }
    if (extra !== undefined) return serveExtraRoute(this.#server, extra, req, sink, this.#maxBody);
    // A POST is refused once its body is read, so the refusal can carry the request's id.
    if (this.#tracker.closing && req.method !== 'POST') {
      return sendCodedRefusal(this.#server, sink, shuttingDown(), null, req, undefined);
    }
    switch (req.method) {
      case 'POST':
        return this.#post(req, sink);
      case 'GET':
        return this.#guarded(req, undefined, undefined, sink, null, (decision) => {
          const peer = new PeerAddress(req, this.#trust);
          const admitted = this.#admission.admitOrRefuse(this.#server, sink, decision, peer, null);
          if (admitted === undefined) return;
          const owner = this.#caller(req, decision).owner;
          return serveGet(req, admitted, this.#sessions, this.#events, this.#calls.streams, owner);
        });
      case 'DELETE':
        return this.#guarded(req, undefined, undefined, sink, null, (decision) =>
          serveDelete(req, sink, this.#sessions, this.#caller(req, decision).owner),
        );
      default:
        return jsonError(sink, 405, RpcCode.INVALID_REQUEST, `Method ${req.method} is not allowed.`, {
          allow: 'GET, POST, DELETE',
        });
    }
  }

  #post(req: HttpRequestInfo, sink: HttpSink): Promise<void> | void {
    const refusal = checkPostHeaders(req.headers);
    if (refusal) return sink.send(refusal.status, jsonHeaders(), JSON.stringify(refusal.response));
    const body = req.body;
    if (body !== undefined) return this.#message(body, req, sink);
    return req.readBody(this.#maxBody).then(
      (text) => this.#message(text, req, sink),
      (error) => {
        if (!(error instanceof BodyTooLargeError)) throw error;
        return this.#message(error, req, sink);
      },
    );
  }

  #message(body: string | BodyTooLargeError, req: HttpRequestInfo, sink: HttpSink): Promise<void> | void {
    let inbound: Inbound;
    try {
      if (body instanceof BodyTooLargeError) throw tooLarge(this.#maxBody);
      inbound = parseMessage(body);
    } catch (error) {
      if (!(error instanceof EdgeRejection)) throw error;
      if (error.status === 413)
        this.#refused(req, 413, 'PAYLOAD_TOO_LARGE', `The body exceeds ${this.#maxBody} bytes.`);
      sink.send(error.status, jsonHeaders(), JSON.stringify(error.response));
      return;
    }
    const id = inbound.kind === 'request' ? inbound.message.id : null;
    if (this.#tracker.closing)
      return sendCodedRefusal(this.#server, sink, shuttingDown(), id, req, undefined);
    if (this.#guards.length === 0) return this.#inbound(inbound, req, sink, undefined);
    return this.#guarded(req, inbound, body as string, sink, id, (decision) =>
      this.#inbound(inbound, req, sink, decision),
    );
  }

  /** Runs the edge guards, then `proceed` with their decision (see {@link passEdge}). */
  #guarded(
    req: HttpRequestInfo,
    inbound: Inbound | undefined,
    body: string | undefined,
    sink: HttpSink,
    id: RpcRequest['id'] | null,
    proceed: (decision: EdgeDecision | undefined) => Promise<void> | void,
  ): Promise<void> | void {
    if (this.#guards.length === 0) return proceed(undefined);
    const peer = new PeerAddress(req, this.#trust);
    return passEdge(this.#server, this.#guards, { req, inbound, body, sink, id, peer }, proceed);
  }

  #inbound(
    inbound: Inbound,
    req: HttpRequestInfo,
    sink: HttpSink,
    decision: EdgeDecision | undefined,
  ): Promise<void> | void {
    if (inbound.kind === 'request') return this.#request(inbound.message, req, sink, decision);
    const place = {
      sessionId: req.headers['mcp-session-id'],
      sessions: this.#sessions,
      owner: () => this.#caller(req, decision).owner,
      calls: this.#calls,
      headers: decision?.headers,
    };
    return serveClientMessage(inbound, place, sink);
  }

  #request(
    request: RpcRequest,
    req: HttpRequestInfo,
    sink: HttpSink,
    decision: EdgeDecision | undefined,
  ): Promise<void> | void {
    const headers = req.headers;
    const headerVersion = headers['mcp-protocol-version']?.trim();

    if (claimsModern(request.params) || (headerVersion !== undefined && isModernVersion(headerVersion))) {
      let envelope: Envelope;
      try {
        envelope = checkModernRequest(headers, headerVersion, request, this.#server.registry);
      } catch (error) {
        return sendProtocolError(sink, request.id, error as ProtocolError);
      }
      return this.#dispatch(request, req, sink, {
        era: 'modern',
        protocolVersion: envelope.protocolVersion,
        client: { info: envelope.clientInfo, capabilities: envelope.clientCapabilities, described: true },
        logLevel: envelope.logLevel,
        resumable: false,
        sessionId: undefined,
        legacy: undefined,
        decision,
      });
    }

    return this.#legacyRequest(request, req, sink, headerVersion, decision);
  }

  async #legacyRequest(
    request: RpcRequest,
    req: HttpRequestInfo,
    sink: HttpSink,
    headerVersion: string | undefined,
    decision: EdgeDecision | undefined,
  ): Promise<void> {
    const headers = req.headers;
    if (!this.#legacy) {
      return sendProtocolError(
        sink,
        request.id,
        unsupportedVersion(headerVersion ?? 'legacy (no _meta envelope)'),
      );
    }
    if (headerVersion !== undefined && !isLegacyVersion(headerVersion)) {
      return sendProtocolError(sink, request.id, unsupportedVersion(headerVersion));
    }
    if (request.method === 'initialize') {
      const caller = this.#sessions ? this.#caller(req, decision) : undefined;
      return serveInitialize(this.#server, this.#sessions, caller, request, req, sink, decision);
    }
    let legacy: LegacyState | undefined;
    let sessionId: string | undefined;
    if (this.#sessions) {
      sessionId = headers['mcp-session-id'];
      const resumed = await this.#sessions.resume(sessionId, this.#caller(req, decision).owner);
      if (resumed instanceof ProtocolError) return sendProtocolError(sink, request.id, resumed);
      legacy = resumed;
    }
    const state = legacy ?? undescribedState(headerVersion);
    return this.#dispatch(request, req, sink, {
      era: 'legacy',
      protocolVersion: state.protocolVersion,
      client: state.client,
      logLevel: state.logLevel,
      resumable: this.#events !== undefined,
      sessionId,
      legacy: state,
      decision,
    });
  }

  // Not async, and nothing after the first await keeps `req` or `sink`: a call may outlive its connection.
  #dispatch(
    request: RpcRequest,
    req: HttpRequestInfo,
    sink: HttpSink,
    call: Pick<CallEnv, 'era' | 'protocolVersion' | 'client' | 'logLevel'> & {
      resumable: boolean;
      sessionId: string | undefined;
      legacy: LegacyState | undefined;
      decision: EdgeDecision | undefined;
    },
  ): void {
    const decision = call.decision;
    const requestId = decision?.requestId ?? requestIdFor(req.headers, this.#server);
    const responseHeaders: Record<string, string> =
      decision?.headers === undefined
        ? { 'x-request-id': requestId }
        : Object.assign({ 'x-request-id': requestId }, decision.headers);
    if (call.sessionId) responseHeaders['mcp-session-id'] = call.sessionId;
    const peer = new PeerAddress(req, this.#trust);
    const listen = request.method === 'subscriptions/listen' && call.era === 'modern';
    const out = listen ? this.#admission.admitOrRefuse(this.#server, sink, decision, peer, request.id) : sink;
    if (out === undefined) return;
    const open = this.#calls.open(out, responseHeaders, this.#events, this.#retryMs, {
      request,
      era: call.era,
      resumable: call.resumable,
      sessionId: call.sessionId,
      auth: decision?.auth,
      peer,
    });
    const env: CallEnv = {
      era: call.era,
      protocolVersion: call.protocolVersion,
      client: call.client,
      headers: req.headers,
      requestId,
      cancellation: open.cancellation,
      exchange: open.stream,
      logLevel: call.logLevel,
      auth: decision?.auth,
      peer,
    };
    void this.#run(request, env, open, call.legacy, call.sessionId, listen);
  }

  async #run(
    request: RpcRequest,
    env: CallEnv,
    open: OpenCall,
    legacy: LegacyState | undefined,
    sessionId: string | undefined,
    listen: boolean,
  ): Promise<void> {
    const { stream, cancellation } = open;
    this.#tracker.add(cancellation);
    try {
      if (listen) return await serveListenStream(this.#server, request, env, stream, this.#tracker);
      const outcome = await this.#server.handleRequest(request, env, legacy);
      if (sessionId && legacy && this.#sessions) await this.#sessions.save(sessionId, legacy);
      const bytes = outcome.resultBytes;
      stream.finish(
        outcome.status,
        bytes === undefined ? JSON.stringify(outcome.response) : responseWithResult(request.id, bytes),
      );
    } catch (error) {
      this.#server.logger.error({ err: error, requestId: env.requestId }, 'HTTP request failed');
      stream.finish(500, JSON.stringify(rpcError(request.id, RpcCode.INTERNAL_ERROR, 'Internal error.')));
    } finally {
      this.#tracker.delete(cancellation);
      open.close();
    }
  }
}
