import {
  classify,
  type Inbound,
  type RpcId,
  type RpcResponse,
  rpcError,
  rpcErrorFrom,
} from '../../protocol/jsonrpc.js';
import { type ProtocolError, RpcCode } from '../../protocol/rpc-error.js';

/** A POST refused before dispatch: the status and the JSON-RPC error to answer with. */
export class EdgeRejection extends Error {
  override readonly name = 'EdgeRejection';
  constructor(
    readonly status: number,
    readonly response: RpcResponse,
  ) {
    super((response as { error?: { message?: string } }).error?.message ?? 'rejected');
  }
}

function reject(status: number, code: number, message: string, id: RpcId | null = null): EdgeRejection {
  return new EdgeRejection(status, rpcError(id, code, message));
}

function isJson(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  // The common exact forms first; anything else goes through the case-insensitive check.
  if (contentType === 'application/json' || contentType.startsWith('application/json;')) return true;
  return /^application\/json\b/i.test(contentType.trim());
}

function acceptsJsonOrSse(accept: string | undefined): boolean {
  if (accept === undefined || accept === 'application/json, text/event-stream') return true;
  if (accept.trim() === '') return true;
  return /application\/json|text\/event-stream|\*\/\*|application\/\*/i.test(accept);
}

/** Refuses a POST whose content type or Accept header rules out JSON-RPC; undefined to go on. */
export function checkPostHeaders(
  headers: Readonly<Record<string, string | undefined>>,
): EdgeRejection | undefined {
  if (!isJson(headers['content-type'])) {
    return reject(415, RpcCode.INVALID_REQUEST, 'Unsupported Media Type: the body must be application/json.');
  }
  if (!acceptsJsonOrSse(headers.accept)) {
    return reject(
      406,
      RpcCode.INVALID_REQUEST,
      'Not Acceptable: accept application/json and text/event-stream.',
    );
  }
  return undefined;
}

/** The refusal of a body over `maxBytes`. */
export function tooLarge(maxBytes: number): EdgeRejection {
  return reject(413, RpcCode.INVALID_REQUEST, `Payload Too Large: the body exceeds ${maxBytes} bytes.`);
}

/** Parses a POST body into one JSON-RPC message, or throws the {@link EdgeRejection} that answers it. */
export function parseMessage(text: string): Inbound {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw reject(400, RpcCode.PARSE_ERROR, 'Parse error: the body is not valid JSON.');
  }
  if (Array.isArray(value)) {
    throw reject(
      400,
      RpcCode.INVALID_REQUEST,
      'Invalid Request: batches are not supported; send one message per request.',
    );
  }
  try {
    return classify(value);
  } catch (error) {
    const id = (value as { id?: unknown } | null)?.id;
    const known = typeof id === 'string' || typeof id === 'number' ? id : null;
    throw new EdgeRejection(400, rpcErrorFrom(known, error as ProtocolError));
  }
}
