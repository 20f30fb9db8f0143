import type { JWTPayload } from 'jose';
import { authError } from './auth-error.js';

/** How long a verified token may live; see `requireExp` and `maxLifetimeMs` of the JWT options. */
export interface TokenLifetimePolicy {
  /** Refuse a token without `exp`. */
  readonly requireExp: boolean;
  /** Longest accepted lifetime in ms; `Infinity` accepts any. */
  readonly maxLifetimeMs: number;
  /** Leeway in ms, the same clock tolerance as for `exp`/`nbf`. */
  readonly toleranceMs: number;
}

/** The default `maxLifetimeMs`: 24 hours, the longest default access-token lifetime of common issuers. */
export const DEFAULT_MAX_LIFETIME_MS = 24 * 60 * 60 * 1000;

/**
 * Refuses a signature-verified token whose validity is unbounded or longer than the policy allows.
 * jose has already checked that `exp`, `iat` and `nbf` are numbers and that `exp` has not passed.
 */
export function checkTokenLifetime(payload: JWTPayload, policy: TokenLifetimePolicy, nowMs: number): void {
  const { exp, iat } = payload;
  const limited = Number.isFinite(policy.maxLifetimeMs);
  const allowedMs = policy.maxLifetimeMs + policy.toleranceMs;
  if (exp === undefined) {
    // A token without `exp` never expires: one leak is a credential for ever.
    if (policy.requireExp) {
      throw authError(
        'missing_expiry',
        'The access token has no expiry (exp claim).',
        'Request a token that expires; this server refuses tokens that never do.',
      );
    }
    if (!limited) return;
    // Opted out of `exp`: the issue time is then the only thing that bounds the token's life.
    if (iat === undefined) {
      throw authError(
        'lifetime_too_long',
        'The access token has neither an expiry (exp) nor an issue time (iat), so its lifetime is unbounded.',
        'Request a token with an expiry.',
      );
    }
    // A future `iat` would push the token's end of life as far out as its issuer chose.
    if (iat * 1000 > nowMs + policy.toleranceMs) {
      throw authError('invalid_claims', 'The access token claims an issue time (iat) in the future.');
    }
    if (nowMs - iat * 1000 > allowedMs) {
      throw authError(
        'expired',
        'The access token is older than this server accepts.',
        'Obtain a fresh token and retry.',
      );
    }
    return;
  }
  if (!limited) return;
  // Measured from the issue time, or from now when it is missing or claims to be in the future, so
  // a far-future `iat` cannot stretch what the token is worth today.
  const startMs = iat === undefined ? nowMs : Math.min(iat * 1000, nowMs);
  if (exp * 1000 - startMs > allowedMs) {
    throw authError(
      'lifetime_too_long',
      `The access token is valid for longer than this server accepts (at most ${describeMs(policy.maxLifetimeMs)}).`,
      'Request a shorter-lived token from the issuer.',
    );
  }
}

function describeMs(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${Math.ceil(ms / 1000)} s`;
}
