import { createRedactor } from '../observability/redact.js';
import { ProtocolError, RpcCode } from '../protocol/rpc-error.js';

/** Redacts what a coded error tells the client; made once, as errors can come by the thousand. */
const redact = createRedactor();

/** Stable error codes every mcpkit package speaks. */
export const ErrorCode = {
  VALIDATION_FAILED: 'VALIDATION_FAILED',
  NOT_FOUND: 'NOT_FOUND',
  UNAUTHORIZED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  RATE_LIMITED: 'RATE_LIMITED',
  CONFLICT: 'CONFLICT',
  UPSTREAM_TIMEOUT: 'UPSTREAM_TIMEOUT',
  UPSTREAM_UNAVAILABLE: 'UPSTREAM_UNAVAILABLE',
  UPSTREAM_ERROR: 'UPSTREAM_ERROR',
  CIRCUIT_OPEN: 'CIRCUIT_OPEN',
  INTERNAL: 'INTERNAL',
} as const;

/** One of the stable error codes in {@link ErrorCode}. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Codes whose failures are worth retrying unless the thrower says otherwise. */
const RETRYABLE_BY_DEFAULT: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'RATE_LIMITED',
  'UPSTREAM_TIMEOUT',
  'UPSTREAM_UNAVAILABLE',
  'CIRCUIT_OPEN',
]);

/** Options for {@link McpkitError}. */
export interface McpkitErrorOptions {
  /** Whether the caller may retry the same call. Default: true for rate-limit, upstream-timeout/unavailable and circuit-open codes. */
  retryable?: boolean;
  /** How long the caller should wait before retrying, in milliseconds. */
  retryAfterMs?: number;
  /** A short, actionable sentence for the caller (often a model): what to change before trying again. */
  hint?: string;
  /** Details that are safe to show the client (never secrets, stacks or upstream bodies). */
  details?: Record<string, unknown>;
  /** The underlying error; logged, never sent to the client. */
  cause?: unknown;
}

/** The one error type of mcpkit: a stable code, a retry verdict and a hint the caller can act on. */
export class McpkitError extends Error {
  override readonly name = 'McpkitError';
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: McpkitErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? RETRYABLE_BY_DEFAULT.has(code);
    this.retryAfterMs = options.retryAfterMs;
    this.hint = options.hint;
    this.details = options.details;
  }
}

/** True when `value` is an {@link McpkitError} (also across duplicated package copies). */
export function isMcpkitError(value: unknown): value is McpkitError {
  return (
    value instanceof McpkitError ||
    (typeof value === 'object' && value !== null && (value as { name?: unknown }).name === 'McpkitError')
  );
}

/** The error payload carried in `structuredContent.error` of a failed tool result. */
export interface ToolErrorPayload {
  code: ErrorCode;
  message: string;
  requestId: string;
  retryable: boolean;
  retryAfterMs?: number;
  hint?: string;
  details?: Record<string, unknown>;
}

/**
 * Turns anything thrown into an {@link McpkitError}. Unknown exceptions become `INTERNAL` with a
 * generic message so that no stack, secret or upstream body reaches the client.
 */
export function toMcpkitError(error: unknown): McpkitError {
  if (isMcpkitError(error)) return error;
  return new McpkitError('INTERNAL', 'The server failed while handling this request.', {
    cause: error,
    retryable: false,
    hint: 'This is a server-side fault; retrying the same call is unlikely to help. Report the request id.',
  });
}

/** Builds the client-safe payload for a failed call. */
export function toErrorPayload(error: McpkitError, requestId: string): ToolErrorPayload {
  // What reaches the client passes the same redaction as the log: a coded message can quote input.
  const payload: ToolErrorPayload = {
    code: error.code,
    message: redact(error.message) as string,
    requestId,
    retryable: error.retryable,
  };
  if (error.retryAfterMs !== undefined) payload.retryAfterMs = error.retryAfterMs;
  if (error.hint !== undefined) payload.hint = redact(error.hint) as string;
  if (error.details !== undefined) payload.details = redact(error.details) as typeof error.details;
  return payload;
}

/**
 * Codes that refuse the caller rather than report a fault: `-32600`, the code the HTTP edge gives
 * the same refusal, so a stdio or in-process client sees what an HTTP client sees.
 */
const REFUSAL_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'UNAUTHORIZED',
  'FORBIDDEN',
  'RATE_LIMITED',
]);

/** Maps a coded error that escaped a non-tool method to its JSON-RPC error. */
export function protocolErrorFrom(error: McpkitError, requestId: string): ProtocolError {
  const rpcCode =
    error.code === 'NOT_FOUND' || error.code === 'VALIDATION_FAILED'
      ? RpcCode.INVALID_PARAMS
      : REFUSAL_CODES.has(error.code)
        ? RpcCode.INVALID_REQUEST
        : RpcCode.INTERNAL_ERROR;
  return new ProtocolError(rpcCode, error.message, toErrorPayload(error, requestId));
}
