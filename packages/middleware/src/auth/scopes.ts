import { type AuthIdentity, McpkitError } from '@mcpkit/core';

/** The scopes of `required` that `identity` does not hold. */
export function missingScopes(identity: AuthIdentity | undefined, required: readonly string[]): string[] {
  if (required.length === 0) return [];
  const held = identity?.scopes ?? [];
  return required.filter((scope) => !held.includes(scope));
}

/** A `FORBIDDEN` error naming the scopes a caller lacks (reason `insufficient_scope`). */
export function insufficientScope(missing: readonly string[], required: readonly string[]): McpkitError {
  return new McpkitError('FORBIDDEN', `This request needs the scope(s): ${missing.join(', ')}.`, {
    retryable: false,
    details: { reason: 'insufficient_scope', requiredScopes: [...required] },
    hint: `Obtain a token that grants ${required.join(' ')} and retry.`,
  });
}
