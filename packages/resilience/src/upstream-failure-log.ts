import { type Logger, redactedExcerpt } from '@mcpkit/core';
import { UpstreamFailure } from './error-mapping.js';

/** What the failure line says about the call besides the error itself. */
export interface UpstreamFailureFacts {
  upstream: string;
  method: string;
  path: string;
  attempts: number;
  /** The mcpkit code the failure was mapped to. */
  code: string;
  /** The coded error's message (never the upstream body). */
  message: string;
}

/** Longest excerpt of an upstream body a log line carries. */
const BODY_EXCERPT_CHARS = 512;

/**
 * True for an answer the upstream gave on purpose about this request (400, 401, 403, 404, 409,
 * 422, …): the caller's business, not an outage. 408 and 429 say the upstream is struggling.
 */
function isExpectedRefusal(status: number | undefined): boolean {
  return status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/**
 * Writes the one "upstream call failed" line of a call that gave up. An expected 4xx is written at
 * `info` without a stack; anything else at `warn` with the error. The body is never written raw:
 * at most a bounded, redacted excerpt (and the logger redacts the whole line again as it writes).
 */
export function logUpstreamFailure(
  logger: Logger | undefined,
  error: unknown,
  facts: UpstreamFailureFacts,
): void {
  if (logger === undefined) return;
  const failure = error instanceof UpstreamFailure ? error : undefined;
  const status = failure?.status;
  const body = failure?.extra.body;
  const line: Record<string, unknown> = {
    upstream: facts.upstream,
    method: facts.method,
    path: facts.path,
    attempts: facts.attempts,
    code: facts.code,
  };
  if (status !== undefined) line.status = status;
  if (body) line.upstreamBody = redactedExcerpt(body, BODY_EXCERPT_CHARS);
  const msg = `upstream call failed: ${facts.message}`;
  if (isExpectedRefusal(status)) {
    logger.info(line, msg);
    return;
  }
  line.err = summary(error);
  logger.warn(line, msg);
}

/**
 * The error as name, message, stack and kind (and the same of its cause): not its own fields, which
 * for a failure hold the whole upstream body and for an HTTP client error the request and response.
 */
function summary(error: unknown, depth = 0): unknown {
  if (!(error instanceof Error)) return error;
  const out: Record<string, unknown> = { type: error.name, message: error.message, stack: error.stack };
  if (error instanceof UpstreamFailure) out.kind = error.kind;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') out.code = code;
  if (error.cause !== undefined && depth < 3) out.cause = summary(error.cause, depth + 1);
  return out;
}
