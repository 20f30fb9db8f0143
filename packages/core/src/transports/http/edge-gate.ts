import {
  type EdgeDecision,
  type EdgeGuard,
  type HttpRefusal,
  runGuards,
  toRefusal,
} from '../../engine/edge.js';
import type { Engine } from '../../engine/engine.js';
import type { TelemetryEvents } from '../../observability/telemetry.js';
import { traceIdOf } from '../../observability/trace-id.js';
import type { Inbound, RpcId, RpcRequest } from '../../protocol/jsonrpc.js';
import { EdgeView } from './edge-view.js';
import { jsonHeaders } from './json-response.js';
import type { PeerAddress } from './peer-address.js';
import type { HttpRequestInfo, HttpSink } from './sink.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request's correlation id: a well-formed `X-Request-Id`, else a new one. */
export function requestIdFor(headers: Readonly<Record<string, string | undefined>>, server: Engine): string {
  const given = headers['x-request-id'];
  return given !== undefined && REQUEST_ID.test(given) ? given : server.newRequestId();
}

/** One refused HTTP request, as it is logged and emitted. */
export type RefusalReport = TelemetryEvents['edge.refused'];

/**
 * Logs a refused HTTP request once (request id, status, code and reason, at `info`: the client's
 * problem, not the server's) and emits `edge.refused`, which the metrics package counts. Every
 * refusal at the edge — guards (401, 403, 429), host checks, body limit (413), draining (503) —
 * goes through here, so each is one line and one increment.
 */
export function reportRefusal(
  server: Engine,
  headers: HttpRequestInfo['headers'],
  refused: Omit<RefusalReport, 'traceId'>,
): void {
  const traceId = traceIdOf(headers.traceparent);
  const report: RefusalReport = traceId === undefined ? refused : { ...refused, traceId };
  server.logger.info(report, 'request refused');
  if (server.telemetry.has('edge.refused')) server.telemetry.emit('edge.refused', report);
}

/** Answers a refused request: its status and headers (plus any given), the request id, and the coded JSON-RPC error. */
export function sendRefusal(
  sink: HttpSink,
  refusal: HttpRefusal,
  id: RpcRequest['id'] | null,
  requestId: string,
  headers?: Record<string, string>,
): void {
  sink.send(
    refusal.status,
    Object.assign(jsonHeaders(), headers, refusal.headers, { 'x-request-id': requestId }),
    refusal.body(id, requestId),
  );
}

/**
 * Answers a request the endpoint will not serve with a coded error: its HTTP status, `Retry-After`
 * when the error has one, and a JSON-RPC error with the request's id (null when unknown) whose
 * `data` carries the code and the retry verdict. Logged and counted once ({@link reportRefusal}).
 */
export function sendCodedRefusal(
  server: Engine,
  sink: HttpSink,
  refusal: HttpRefusal,
  id: RpcId | null,
  req: HttpRequestInfo,
  decision: EdgeDecision | undefined,
  target?: { rpcMethod?: string; rpcName?: string },
): void {
  const requestId = decision?.requestId ?? requestIdFor(req.headers, server);
  reportRefusal(server, req.headers, {
    requestId,
    status: refusal.status,
    errorCode: refusal.error.code,
    reason: refusal.error.message,
    ...(target?.rpcMethod !== undefined ? { rpcMethod: target.rpcMethod } : {}),
    ...(target?.rpcName !== undefined ? { rpcName: target.rpcName } : {}),
  });
  sendRefusal(sink, refusal, id, requestId, decision?.headers);
}

/** One HTTP exchange at the edge: the request, its parsed message (POST), the raw body and the answer sink. */
export interface EdgeExchange {
  req: HttpRequestInfo;
  inbound: Inbound | undefined;
  body: string | undefined;
  sink: HttpSink;
  /** JSON-RPC id of a POSTed request (null otherwise), for the refusal body. */
  id: RpcRequest['id'] | null;
  /** The request's addresses under the endpoint's proxy trust. */
  peer: PeerAddress;
}

/**
 * Runs the edge guards, then `proceed` with their merged decision. A refusal answers the whole
 * HTTP request with its status and headers (keeping the request id and headers earlier guards
 * chose), logged and counted once ({@link reportRefusal}); an unexpected failure propagates to the
 * handler's 500 path.
 */
export function passEdge(
  server: Engine,
  guards: readonly EdgeGuard[],
  exchange: EdgeExchange,
  proceed: (decision: EdgeDecision | undefined) => Promise<void> | void,
): Promise<void> | void {
  const { req, inbound, sink, id } = exchange;
  const message = inbound && inbound.kind !== 'response' ? inbound.message : undefined;
  const params = message?.params as { name?: unknown; uri?: unknown } | undefined;
  const target = params?.name ?? params?.uri;
  const view = new EdgeView(
    server,
    req,
    message?.method,
    typeof target === 'string' ? target : undefined,
    exchange.body,
    exchange.peer,
  );
  const progress: { decided: EdgeDecision | undefined } = { decided: undefined };
  const refuse = (error: unknown): void => {
    const refusal = toRefusal(error);
    if (!refusal) throw error;
    sendCodedRefusal(server, sink, refusal, id, req, progress.decided, view);
  };
  let decision: ReturnType<typeof runGuards>;
  try {
    decision = runGuards(guards, view, progress);
  } catch (error) {
    return refuse(error);
  }
  if (decision instanceof Promise) return decision.then(proceed, refuse);
  return proceed(decision);
}
