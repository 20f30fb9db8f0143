import type { RouteHandler, RouteRequest } from '../../engine/edge.js';
import { toRefusal } from '../../engine/edge.js';
import type { Engine } from '../../engine/engine.js';
import { RpcCode } from '../../protocol/rpc-error.js';
import { sendRefusal } from './edge-gate.js';
import { jsonError } from './json-response.js';
import { BodyTooLargeError, type HttpRequestInfo, type HttpSink } from './sink.js';

/** Answers one request to an extra route; a failing handler gets a 500 (logged), never a crash. */
export async function serveExtraRoute(
  server: Engine,
  handler: RouteHandler,
  req: HttpRequestInfo,
  sink: HttpSink,
  maxBodyBytes: number,
): Promise<void> {
  const view: RouteRequest = {
    method: req.method,
    path: req.path,
    query: req.query ?? '',
    headers: req.headers,
    remoteAddress: req.remoteAddress,
    text: () => {
      const body = req.body;
      if (typeof body === 'string') return Promise.resolve(body);
      if (body instanceof BodyTooLargeError) return Promise.reject(body);
      return req.readBody(maxBodyBytes);
    },
  };
  try {
    const response = await handler(view);
    sink.send(response.status, { ...response.headers }, response.body ?? '');
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      return jsonError(
        sink,
        413,
        RpcCode.INVALID_REQUEST,
        `Payload Too Large: the limit is ${maxBodyBytes} bytes.`,
      );
    }
    const refusal = toRefusal(error);
    if (refusal) return sendRefusal(sink, refusal, null, server.newRequestId());
    server.logger.error({ err: error, path: req.path }, 'route handler failed');
    jsonError(sink, 500, RpcCode.INTERNAL_ERROR, 'Internal error.');
  }
}
