import { isInputRequired, isMcpkitError, ProtocolError } from '@mcpkit/core';

/** How a request ended, as the observability layers report it. */
export type RequestOutcomeKind = 'ok' | 'error' | 'input_required';

/** A finished request's outcome and, on failure, a low-cardinality error type. */
export interface ClassifiedOutcome {
  outcome: RequestOutcomeKind;
  /** mcpkit error code (`RATE_LIMITED`), JSON-RPC code (`-32602`), or `tool_error` for an uncoded failed tool result. */
  errorType: string | undefined;
}

const OK: ClassifiedOutcome = Object.freeze({ outcome: 'ok', errorType: undefined });
const INPUT_REQUIRED: ClassifiedOutcome = Object.freeze({ outcome: 'input_required', errorType: undefined });
const byCode = new Map<string, ClassifiedOutcome>();

function failed(errorType: string): ClassifiedOutcome {
  let known = byCode.get(errorType);
  if (known === undefined) {
    // Codes are a small closed set, so one frozen object per code is shared by every request.
    known = Object.freeze({ outcome: 'error', errorType });
    if (byCode.size < 256) byCode.set(errorType, known);
  }
  return known;
}

/** Outcome of a result a chain returned: a tool result with `isError` is a failure. */
export function classifyResult(result: unknown): ClassifiedOutcome {
  if (result === null || typeof result !== 'object' || (result as { isError?: unknown }).isError !== true) {
    return OK;
  }
  const code = (result as { structuredContent?: { error?: { code?: unknown } } }).structuredContent?.error
    ?.code;
  return failed(typeof code === 'string' ? code : 'tool_error');
}

/**
 * Outcome of an error a chain threw: coded errors keep their code, protocol errors their JSON-RPC
 * code, anything else is `INTERNAL` (what the client will see); a modern-era input request is not a failure.
 */
export function classifyError(error: unknown): ClassifiedOutcome {
  if (isMcpkitError(error)) return failed(error.code);
  if (error instanceof ProtocolError) return failed(String(error.rpcCode));
  if (isInputRequired(error)) return INPUT_REQUIRED;
  return failed('INTERNAL');
}
