import { ErrorCode, McpkitError, type McpkitErrorOptions, ProtocolError } from '@mcpkit/core';
import type { CallToolResult } from '@modelcontextprotocol/client';
import {
  SdkError,
  SdkErrorCode,
  SdkHttpError,
  ProtocolError as SdkProtocolError,
  UnauthorizedError,
} from '@modelcontextprotocol/client';

/** Options of {@link RemoteError}: those of `McpkitError` plus where the failure came from. */
export interface RemoteErrorOptions extends McpkitErrorOptions {
  /** The server's request id for the failed call (from its coded error), for its logs. */
  requestId?: string;
  /** The tool that failed, when the failure is a tool's. */
  tool?: string;
}

/**
 * A coded failure seen by the client: a tool's coded error as the server sent it (code,
 * `retryable`, `retryAfterMs`, `hint`, the server's `requestId`), or the client's own verdict on a
 * transport failure (`UPSTREAM_TIMEOUT`, `UPSTREAM_UNAVAILABLE`, `CIRCUIT_OPEN` …). It is an
 * `McpkitError` (`instanceof` and `isMcpkitError` both hold).
 */
export class RemoteError extends McpkitError {
  /** The server's request id for the failed call, when it sent one. */
  readonly requestId: string | undefined;
  /** The tool that failed, when the failure is a tool's. */
  readonly tool: string | undefined;

  constructor(code: ErrorCode, message: string, options: RemoteErrorOptions = {}) {
    super(code, message, options);
    this.requestId = options.requestId;
    this.tool = options.tool;
  }
}

const CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads an mcpkit coded-error payload (`{ code, message, retryable, … }`), or undefined. */
export function codedPayload(value: unknown, tool?: string): RemoteError | undefined {
  if (!isRecord(value) || typeof value.code !== 'string' || !CODES.has(value.code)) return undefined;
  const options: RemoteErrorOptions = {
    retryable: value.retryable === true,
    ...(typeof value.retryAfterMs === 'number' && value.retryAfterMs >= 0
      ? { retryAfterMs: value.retryAfterMs }
      : {}),
    ...(typeof value.hint === 'string' ? { hint: value.hint } : {}),
    ...(isRecord(value.details) ? { details: value.details } : {}),
    ...(typeof value.requestId === 'string' ? { requestId: value.requestId } : {}),
    ...(tool !== undefined ? { tool } : {}),
  };
  const message = typeof value.message === 'string' ? value.message : `The call failed with ${value.code}.`;
  return new RemoteError(value.code as ErrorCode, message, options);
}

/** The coded error of a failed tool result (`structuredContent.error`), or undefined. */
export function codedToolError(result: CallToolResult, tool?: string): RemoteError | undefined {
  if (result.isError !== true) return undefined;
  const structured = result.structuredContent;
  return codedPayload(isRecord(structured) ? structured.error : undefined, tool);
}

/**
 * The error a failed tool result stands for: its coded error (mcpkit servers send one in
 * `structuredContent.error`), or, for a tool error without a code, a non-retryable
 * `UPSTREAM_ERROR` carrying the tool's text. Undefined when the result is not an error.
 */
export function toolResultError(result: CallToolResult, tool: string): RemoteError | undefined {
  if (result.isError !== true) return undefined;
  const coded = codedToolError(result, tool);
  if (coded) return coded;
  const text = result.content
    .filter((item): item is { type: 'text'; text: string } => item.type === 'text')
    .map((item) => item.text)
    .join('\n');
  return new RemoteError('UPSTREAM_ERROR', text || `Tool "${tool}" failed without a message.`, {
    retryable: false,
    tool,
    hint: 'The tool reported an error without a code; read its message.',
  });
}

/** True when `error` is an abort (the caller's signal), not a failure of the server. */
export function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}

const NETWORK_CODES: ReadonlySet<string> = new Set([
  SdkErrorCode.ConnectionClosed,
  SdkErrorCode.SendFailed,
  SdkErrorCode.NotConnected,
]);

/**
 * Maps what the official client threw to the error the caller gets: JSON-RPC errors become
 * core's `ProtocolError` (or a {@link RemoteError} when they carry an mcpkit coded payload), HTTP
 * and network failures become coded {@link RemoteError}s with a retry verdict. Aborts and
 * anything unrecognised pass through unchanged.
 */
export function toClientError(error: unknown, tool?: string): unknown {
  if (error instanceof McpkitError || error instanceof ProtocolError || isAbort(error)) return error;
  const at = tool === undefined ? {} : { tool };
  if (error instanceof SdkProtocolError) {
    const coded = codedPayload(error.data, tool);
    if (coded) return coded;
    return new ProtocolError(error.code, error.message, error.data);
  }
  if (error instanceof UnauthorizedError) {
    return new RemoteError('UNAUTHORIZED', 'The server needs authorization this client could not obtain.', {
      cause: error,
      ...at,
      retryable: false,
      hint: 'Give the client credentials (`auth`); for OAuth with a user, pass `authorizationCallback`.',
    });
  }
  if (error instanceof SdkHttpError) {
    const status = error.status;
    const options = { cause: error, ...at };
    if (status === 401) {
      return new RemoteError('UNAUTHORIZED', `The server refused the credentials (HTTP 401).`, {
        ...options,
        retryable: false,
        hint: 'Give the client valid credentials (the `auth` option).',
      });
    }
    if (status === 403) {
      return new RemoteError('FORBIDDEN', 'The server denied access (HTTP 403).', {
        ...options,
        retryable: false,
      });
    }
    if (status === 429) {
      return new RemoteError('RATE_LIMITED', 'The server is rate limiting this client (HTTP 429).', options);
    }
    if (status >= 500) {
      return new RemoteError('UPSTREAM_UNAVAILABLE', `The server answered HTTP ${status}.`, {
        ...options,
        retryable: true,
      });
    }
    return new ProtocolError(-32600, error.message, { status }, status);
  }
  if (error instanceof SdkError) {
    if (error.code === SdkErrorCode.RequestTimeout) {
      return new RemoteError('UPSTREAM_TIMEOUT', 'The server did not answer in time.', {
        cause: error,
        ...at,
        retryable: true,
        hint: 'Raise `timeoutMs` if the call is expected to be slow.',
      });
    }
    if (NETWORK_CODES.has(error.code)) {
      return new RemoteError('UPSTREAM_UNAVAILABLE', 'The connection to the server failed.', {
        cause: error,
        ...at,
        retryable: true,
      });
    }
    // A failed era negotiation (and the like) wraps what really happened: judge that.
    if (error.cause !== undefined) {
      const inner = toClientError(error.cause, tool);
      if (inner instanceof RemoteError) return inner;
    }
    return error;
  }
  // fetch() rejects with a TypeError when the server cannot be reached at all.
  if (
    error instanceof TypeError &&
    (error.message === 'fetch failed' || /ECONNREFUSED|ECONNRESET|socket/i.test(String(error.cause)))
  ) {
    return new RemoteError('UPSTREAM_UNAVAILABLE', 'The server could not be reached.', {
      cause: error,
      ...at,
      retryable: true,
    });
  }
  return error;
}
