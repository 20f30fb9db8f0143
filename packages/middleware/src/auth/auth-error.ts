import { McpkitError } from '@mcpkit/core';

/**
 * Why a credential was refused; carried in the error's safe `details.reason` so clients and logs
 * can tell failures apart without ever seeing the credential itself.
 */
export type AuthFailureReason =
  | 'missing'
  | 'malformed'
  | 'unknown_key'
  | 'bad_signature'
  | 'expired'
  | 'missing_expiry'
  | 'lifetime_too_long'
  | 'not_yet_valid'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'algorithm_not_allowed'
  | 'unknown_signing_key'
  | 'invalid_claims'
  | 'insufficient_scope';

/** An `UNAUTHORIZED` error with a reason code and an actionable hint. */
export function authError(reason: AuthFailureReason, message: string, hint?: string): McpkitError {
  return new McpkitError('UNAUTHORIZED', message, {
    retryable: false,
    details: { reason },
    hint: hint ?? 'Obtain a valid credential and send it with every request.',
  });
}

/** The reason recorded on an auth error, if any. */
export function reasonOf(error: McpkitError): AuthFailureReason | undefined {
  const reason = error.details?.reason;
  return typeof reason === 'string' ? (reason as AuthFailureReason) : undefined;
}

/** The bearer token of an `Authorization: Bearer …` header; `undefined` when absent, throws when malformed. */
export function bearerToken(headers: Readonly<Record<string, string | undefined>>): string | undefined {
  const header = headers.authorization;
  if (header === undefined || header === '') return undefined;
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  if (!match) {
    throw authError(
      'malformed',
      'The Authorization header is not a well-formed bearer token.',
      'Send "Authorization: Bearer <token>".',
    );
  }
  return match[1] as string;
}

/** Quotes a value for an auth-param of `WWW-Authenticate` (RFC 9110 quoted-string). */
export function quoted(value: string): string {
  return `"${value.replace(/[\\"]/g, '\\$&')}"`;
}
