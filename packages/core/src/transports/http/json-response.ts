import { type RpcId, rpcError, rpcErrorFrom } from '../../protocol/jsonrpc.js';
import type { ProtocolError } from '../../protocol/rpc-error.js';
import type { HttpSink } from './sink.js';

/** Fresh headers for a JSON response (a sink may add to the object it is given). */
export const jsonHeaders = (): Record<string, string> => ({ 'content-type': 'application/json' });

/** Answers with a JSON-RPC error (no id) and the given HTTP status. */
export function jsonError(
  sink: HttpSink,
  status: number,
  code: number,
  message: string,
  extra: Record<string, string> = {},
  data?: unknown,
): void {
  sink.send(status, Object.assign(jsonHeaders(), extra), JSON.stringify(rpcError(null, code, message, data)));
}

/** Answers a refused request with its JSON-RPC error and the error's HTTP status (400 unless it says otherwise). */
export function sendProtocolError(sink: HttpSink, id: RpcId | null, error: ProtocolError): void {
  sink.send(error.httpStatus ?? 400, jsonHeaders(), JSON.stringify(rpcErrorFrom(id, error)));
}
