import type { Engine } from '../../engine/engine.js';
import type { CallEnv } from '../../engine/exchange.js';
import type { Inflight } from '../../engine/inflight.js';
import { type RpcRequest, rpcErrorFrom } from '../../protocol/jsonrpc.js';
import type { ProtocolError } from '../../protocol/rpc-error.js';
import { serveListen } from '../listen.js';
import type { RequestStream } from './request-stream.js';

/** Serves a modern `subscriptions/listen` request on its HTTP stream; a refused filter gets its error status. */
export async function serveListenStream(
  server: Engine,
  request: RpcRequest,
  env: CallEnv,
  stream: RequestStream,
  tracker: Inflight,
): Promise<void> {
  try {
    await serveListen(server, request, env, (message) => stream.send(message), tracker);
  } catch (error) {
    const e = error as ProtocolError;
    stream.finish(e.httpStatus ?? 400, JSON.stringify(rpcErrorFrom(request.id, e)));
  }
  stream.end();
}
