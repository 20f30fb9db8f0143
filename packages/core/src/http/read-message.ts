import { type ProtocolError, RpcCode } from '../errors.js';
import { classify, type Inbound, type RpcId, type RpcResponse, rpcError, rpcErrorFrom } from '../jsonrpc.js';
import { BodyTooLargeError, type HttpRequestInfo } from './sink.js';

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

/**
 * Reads one JSON-RPC message from a POST: content type, Accept, size limit, JSON syntax and
 * message shape are checked here, each failure becoming an {@link EdgeRejection} with its status.
 */
export async function readMessage(req: HttpRequestInfo, maxBytes: number): Promise<Inbound> {
  if (!isJson(req.headers['content-type'])) {
    throw reject(415, RpcCode.INVALID_REQUEST, 'Unsupported Media Type: the body must be application/json.');
  }
  if (!acceptsJsonOrSse(req.headers.accept)) {
    throw reject(
      406,
      RpcCode.INVALID_REQUEST,
      'Not Acceptable: accept application/json and text/event-stream.',
    );
  }
  let text: string;
  try {
    text = await req.readBody(maxBytes);
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      throw reject(413, RpcCode.INVALID_REQUEST, `Payload Too Large: the body exceeds ${maxBytes} bytes.`);
    }
    throw error;
  }
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
