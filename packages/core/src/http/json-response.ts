import { rpcError } from '../jsonrpc.js';
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
