import { McpkitError, ProtocolError } from '@mcpkit/core';
import { codedPayload, RemoteError, toClientError } from './remote-error.js';

/** The JSON-RPC error a task cancelled by someone else becomes: coded, not retryable. */
export function cancelledError(taskId: string) {
  return {
    code: -32603,
    message: `The task ${taskId} was cancelled.`,
    data: { code: 'CONFLICT', message: `The task ${taskId} was cancelled.`, retryable: false },
  };
}

/** The JSON-RPC error a failure to follow a task becomes, coded so the client maps it back. */
export function followError(error: unknown) {
  if (error instanceof ProtocolError)
    return { code: error.rpcCode, message: error.message, data: error.data };
  const coded = error instanceof McpkitError ? error : undefined;
  const message = error instanceof Error ? error.message : String(error);
  return {
    code: -32603,
    message,
    data: {
      code: coded?.code ?? 'INTERNAL',
      message,
      retryable: coded?.retryable ?? false,
      ...(coded?.hint ? { hint: coded.hint } : {}),
      ...(error instanceof RemoteError && error.requestId ? { requestId: error.requestId } : {}),
    },
  };
}

/** A JSON-RPC error (an answer, or a failed task's error): its mcpkit coded payload, else a `ProtocolError`. */
export function rpcErrorOf(error: { code: number; message: string; data?: unknown }): Error {
  return codedPayload(error.data) ?? new ProtocolError(error.code, error.message, error.data);
}

/** What a failed send of one of the channel's requests becomes: the client's coded error for it. */
export function sendErrorOf(method: string, error: unknown): unknown {
  const mapped = toClientError(error);
  if (mapped instanceof McpkitError || mapped instanceof ProtocolError) return mapped;
  if (mapped instanceof Error && mapped.name === 'AbortError') return mapped;
  return new RemoteError('UPSTREAM_UNAVAILABLE', `Sending ${method} failed.`, {
    retryable: true,
    cause: error,
  });
}

/** The error everything waiting on a closed client ends with. */
export function closedError(): McpkitError {
  return new McpkitError('UPSTREAM_UNAVAILABLE', 'The client was closed.', {
    retryable: false,
    hint: 'Open a new client with createClient.',
  });
}
