import { McpkitError } from '@mcpkit/core';

/** Why a query was refused: `details.reason` of the `VALIDATION_FAILED` / `FORBIDDEN` error. */
export type RefusalReason =
  | 'too-long'
  | 'control-characters'
  | 'syntax'
  | 'not-one-statement'
  | 'not-a-select'
  | 'unsupported-syntax'
  | 'string-literal'
  | 'table-not-allowed'
  | 'column-not-allowed'
  | 'unknown-column'
  | 'whole-row'
  | 'function-not-allowed'
  | 'operator-not-allowed'
  | 'type-not-allowed'
  | 'parameter-missing';

/** A coded refusal of a query: `details.reason` says which rule refused it. */
export function refuse(
  reason: RefusalReason,
  message: string,
  hint: string,
  code: 'VALIDATION_FAILED' | 'FORBIDDEN' = 'VALIDATION_FAILED',
): McpkitError {
  return new McpkitError(code, message, { retryable: false, hint, details: { reason } });
}
