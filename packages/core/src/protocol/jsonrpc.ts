import { ProtocolError, RpcCode } from './rpc-error.js';

/** A JSON-RPC id. */
export type RpcId = string | number;

/** A JSON-RPC request as mcpkit handles it. */
export interface RpcRequest {
  jsonrpc: '2.0';
  id: RpcId;
  method: string;
  params?: Record<string, unknown>;
}

/** A JSON-RPC notification. */
export interface RpcNotification {
  jsonrpc: '2.0';
  method: string;
  params?: Record<string, unknown>;
}

/** A JSON-RPC error object. */
export interface RpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

/** A JSON-RPC response (result or error). */
export type RpcResponse =
  | { jsonrpc: '2.0'; id: RpcId; result: Record<string, unknown> }
  | { jsonrpc: '2.0'; id: RpcId | null; error: RpcErrorObject };

/** One inbound message, classified. */
export type Inbound =
  | { kind: 'request'; message: RpcRequest }
  | { kind: 'notification'; message: RpcNotification }
  | { kind: 'response'; id: RpcId; result?: unknown; error?: RpcErrorObject };

/**
 * Builds an error response. JSON-RPC 2.0 requires the `id` member on every response: the
 * request's id when it could be read, `null` when it could not (parse errors, batches, messages
 * whose id is malformed).
 */
export function rpcError(id: RpcId | null, code: number, message: string, data?: unknown): RpcResponse {
  const error: RpcErrorObject = { code, message };
  if (data !== undefined) error.data = data;
  return { jsonrpc: '2.0', id, error };
}

/** Builds an error response from a {@link ProtocolError}. */
export function rpcErrorFrom(id: RpcId | null, error: ProtocolError): RpcResponse {
  return rpcError(id, error.rpcCode, error.message, error.data);
}

function isId(value: unknown): value is RpcId {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
}

/**
 * Classifies one parsed JSON value as a request, notification or response, or throws a
 * {@link ProtocolError} (`-32600`) explaining what is wrong with it.
 */
export function classify(value: unknown): Inbound {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ProtocolError(
      RpcCode.INVALID_REQUEST,
      'Invalid Request: a JSON-RPC message must be an object.',
    );
  }
  const m = value as Record<string, unknown>;
  if (m.jsonrpc !== '2.0') {
    throw new ProtocolError(RpcCode.INVALID_REQUEST, 'Invalid Request: "jsonrpc" must be "2.0".');
  }
  if (typeof m.method === 'string') {
    if (
      m.params !== undefined &&
      (typeof m.params !== 'object' || m.params === null || Array.isArray(m.params))
    ) {
      throw new ProtocolError(RpcCode.INVALID_REQUEST, 'Invalid Request: "params" must be an object.');
    }
    if ('id' in m) {
      if (!isId(m.id))
        throw new ProtocolError(RpcCode.INVALID_REQUEST, 'Invalid Request: "id" must be a string or number.');
      return { kind: 'request', message: m as unknown as RpcRequest };
    }
    return { kind: 'notification', message: m as unknown as RpcNotification };
  }
  if (isId(m.id) && ('result' in m || 'error' in m)) {
    return { kind: 'response', id: m.id, result: m.result, error: m.error as RpcErrorObject | undefined };
  }
  throw new ProtocolError(
    RpcCode.INVALID_REQUEST,
    'Invalid Request: expected a request, notification or response.',
  );
}
