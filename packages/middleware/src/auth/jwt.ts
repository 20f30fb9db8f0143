import { type AuthIdentity, type Clock, clockNow, McpkitError, type Plugin } from '@mcpkit/core';
import {
  type CryptoKey,
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  type JWK,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
  type KeyObject,
} from 'jose';
import { authError, bearerToken, quoted, reasonOf } from './auth-error.js';
import { createAuthPlugin } from './auth-plugin.js';
import { credentialFromEnv, onStdio } from './credential-from-env.js';
import { checkTokenLifetime, DEFAULT_MAX_LIFETIME_MS, type TokenLifetimePolicy } from './token-lifetime.js';

/** Options of {@link jwt} and {@link createJwtVerifier}. Give `jwksUri` or `key`. */
export interface JwtOptions {
  /** JWKS endpoint of the issuer; keys are cached and refetched when an unknown `kid` appears (rotation). */
  jwksUri?: string | URL;
  /** A fixed verification key (public key, JWK, or a shared secret for HS* algorithms). */
  key?: CryptoKey | KeyObject | JWK | Uint8Array;
  /** Expected `iss`. Required. */
  issuer: string | readonly string[];
  /** Expected `aud` (for an MCP resource server: the resource URI). Required. */
  audience: string | readonly string[];
  /** Accepted signing algorithms. Default: `['RS256', 'PS256', 'ES256', 'EdDSA']`; `none` is never accepted. */
  algorithms?: readonly string[];
  /** Leeway for `exp`/`nbf`/`iat`, in ms (jose applies it in whole seconds, rounded up). Default: 5 000. */
  clockToleranceMs?: number;
  /**
   * Refuse tokens without an `exp` claim (reason `missing_expiry`). Default: true. Turning it off
   * is dangerous: such a token never expires, so one leaked token stays a valid credential until
   * the signing key is rotated. With it off, `maxLifetimeMs` still ages tokens out by their `iat`.
   */
  requireExp?: boolean;
  /**
   * Longest a token may be valid for, in ms: `exp` minus `iat` (minus now when `iat` is missing or
   * in the future) must not exceed it (reason `lifetime_too_long`); a token without `exp` (with
   * `requireExp: false`) is refused once its `iat` is older. `Infinity` turns the check off.
   * Default: 86 400 000 (24 hours).
   */
  maxLifetimeMs?: number;
  /** Claim holding the scopes (space-separated string or array). Default: `scope`, then `scp`. */
  scopeClaim?: string;
  /** Claim that names the client. Default: `client_id`, then `azp`. */
  clientIdClaim?: string;
  /** Minimum time between two JWKS refetches, in ms. Default: 30 000. */
  jwksCooldownMs?: number;
  /** How long fetched JWKS keys are trusted before a refetch, in ms. Default: 600 000. */
  jwksMaxAgeMs?: number;
  /** JWKS fetch timeout, in ms. Default: 5 000. */
  jwksTimeoutMs?: number;
  /** Clock in ms since the epoch (tests inject one). Default: `clock`'s. */
  now?: () => number;
  /** The clock read when `now` is not given (see `Clock`). Default: `systemClock`. */
  clock?: Clock;
  /** Realm named in `WWW-Authenticate`. Default: `mcp`. */
  realm?: string;
  /**
   * Environment variable a stdio server reads the caller's token from (the launcher sets it, as in
   * the `env` of an `mcpServers` entry); it is presented as `Authorization: Bearer <token>` on every
   * stdio request and verified like an HTTP one. `false` reads nothing. Default: `MCP_ACCESS_TOKEN`.
   */
  stdioEnv?: string | false;
}

/** Verifies a raw JWT and returns the identity it carries, or throws a coded `UNAUTHORIZED` error. */
export type TokenVerifier = (token: string) => Promise<AuthIdentity>;

const DEFAULT_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'] as const;

/**
 * Builds a JWT verifier on jose: signature against a JWKS (cached, rotated, with cooldown) or a
 * fixed key, issuer, audience, algorithm allow-list and time claims, each failure mapped to a
 * specific message that never contains the token.
 */
export function createJwtVerifier(options: JwtOptions): TokenVerifier {
  const algorithms = (options.algorithms ?? DEFAULT_ALGORITHMS).filter((alg) => alg.toLowerCase() !== 'none');
  if (algorithms.length === 0) {
    throw new McpkitError(
      'VALIDATION_FAILED',
      'jwt(): `algorithms` must name at least one signing algorithm.',
    );
  }
  const getKey = resolveKey(options);
  const verifyOptions = {
    issuer: options.issuer as string | string[],
    audience: options.audience as string | string[],
    algorithms,
    // jose takes the leeway in seconds.
    clockTolerance: Math.ceil((options.clockToleranceMs ?? 5_000) / 1_000),
  };
  const maxLifetimeMs = options.maxLifetimeMs ?? DEFAULT_MAX_LIFETIME_MS;
  if (!(maxLifetimeMs > 0)) {
    throw new McpkitError('VALIDATION_FAILED', 'jwt(): `maxLifetimeMs` must be a positive number of ms.', {
      hint: 'Pass Infinity to accept any lifetime.',
    });
  }
  const lifetime: TokenLifetimePolicy = {
    requireExp: options.requireExp ?? true,
    maxLifetimeMs,
    toleranceMs: verifyOptions.clockTolerance * 1_000,
  };
  const now = clockNow(options);
  return async (token) => {
    let alg: unknown;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw authError(
        'malformed',
        'The access token is not a well-formed JWT.',
        'Send a signed JWT access token.',
      );
    }
    if (typeof alg !== 'string' || !algorithms.includes(alg)) {
      throw authError(
        'algorithm_not_allowed',
        'The access token is signed with an algorithm this server does not accept.',
        `Accepted algorithms: ${algorithms.join(', ')}.`,
      );
    }
    let payload: JWTPayload;
    const nowMs = now();
    try {
      const verified = await jwtVerify(token, getKey as JWTVerifyGetKey, {
        ...verifyOptions,
        currentDate: new Date(nowMs),
      });
      payload = verified.payload;
    } catch (error) {
      throw mapJoseError(error);
    }
    checkTokenLifetime(payload, lifetime, nowMs);
    return toIdentity(payload, options);
  };
}

/** JWT bearer-token authentication on every request; the verified claims become `ctx.auth`. */
export function jwt(options: JwtOptions): Plugin {
  const verify = createJwtVerifier(options);
  const realm = options.realm ?? 'mcp';
  const stdioEnv = options.stdioEnv ?? DEFAULT_TOKEN_ENV;
  const missingHint = `Send "Authorization: Bearer <token>"${onStdio(stdioEnv)}.`;
  return createAuthPlugin(
    'jwt',
    async (headers) => {
      const token = bearerToken(headers);
      if (token === undefined) throw authError('missing', 'A bearer token is required.', missingHint);
      return verify(token);
    },
    (error) => ({ 'www-authenticate': bearerChallenge(error, { realm }) }),
    credentialFromEnv(stdioEnv, 'authorization', (token) => `Bearer ${token}`),
  );
}

/** The environment variable a stdio server reads its caller's bearer token from, by default. */
export const DEFAULT_TOKEN_ENV = 'MCP_ACCESS_TOKEN';

/** The `WWW-Authenticate: Bearer …` value for a refused request (RFC 6750 §3). */
export function bearerChallenge(
  error: McpkitError,
  params: { realm?: string; resourceMetadata?: string; scope?: string },
): string {
  const parts: string[] = [];
  if (params.realm !== undefined) parts.push(`realm=${quoted(params.realm)}`);
  if (params.resourceMetadata !== undefined)
    parts.push(`resource_metadata=${quoted(params.resourceMetadata)}`);
  const reason = reasonOf(error);
  // RFC 6750: a request without credentials gets no error code; a bad token gets invalid_token.
  if (reason === 'insufficient_scope') parts.push('error="insufficient_scope"');
  else if (reason !== undefined && reason !== 'missing') parts.push('error="invalid_token"');
  if (reason !== undefined && reason !== 'missing') parts.push(`error_description=${quoted(error.message)}`);
  if (params.scope !== undefined && params.scope !== '') parts.push(`scope=${quoted(params.scope)}`);
  return parts.length > 0 ? `Bearer ${parts.join(', ')}` : 'Bearer';
}

function resolveKey(options: JwtOptions): JWTVerifyGetKey | CryptoKey | KeyObject | JWK | Uint8Array {
  if (options.jwksUri !== undefined && options.key !== undefined) {
    throw new McpkitError('VALIDATION_FAILED', 'jwt(): give `jwksUri` or `key`, not both.');
  }
  if (options.jwksUri !== undefined) {
    return createRemoteJWKSet(new URL(options.jwksUri), {
      cooldownDuration: options.jwksCooldownMs ?? 30_000,
      cacheMaxAge: options.jwksMaxAgeMs ?? 600_000,
      timeoutDuration: options.jwksTimeoutMs ?? 5_000,
    });
  }
  if (options.key !== undefined) return options.key;
  throw new McpkitError('VALIDATION_FAILED', 'jwt(): `jwksUri` or `key` is required.');
}

function mapJoseError(error: unknown): McpkitError {
  if (error instanceof errors.JWTExpired) {
    return authError('expired', 'The access token has expired.', 'Obtain a fresh token and retry.');
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') {
      return authError(
        'wrong_issuer',
        'The access token was issued by an issuer this server does not trust.',
      );
    }
    if (error.claim === 'aud') {
      return authError(
        'wrong_audience',
        'The access token was not issued for this server (audience mismatch).',
        'Request a token whose audience (resource) is this server.',
      );
    }
    if (error.claim === 'nbf' || error.claim === 'iat') {
      return authError('not_yet_valid', 'The access token is not valid yet.');
    }
    return authError('invalid_claims', `The access token has an invalid "${error.claim}" claim.`);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return authError('bad_signature', 'The access token signature does not verify.');
  }
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return authError(
      'unknown_signing_key',
      'The access token is signed with a key this server does not know.',
    );
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return authError(
      'algorithm_not_allowed',
      'The access token is signed with an algorithm this server does not accept.',
    );
  }
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || isFetchFailure(error)) {
    // The issuer's key set is unreachable: the token may be fine, so this is not the caller's fault.
    return new McpkitError('UPSTREAM_UNAVAILABLE', 'The token issuer keys could not be fetched.', {
      cause: error,
      retryAfterMs: 1_000,
      hint: 'Retry shortly; the server could not reach its identity provider.',
    });
  }
  return authError('malformed', 'The access token is not a valid JWT.', 'Send a signed JWT access token.');
}

function isFetchFailure(error: unknown): boolean {
  return (
    error instanceof TypeError || (error instanceof errors.JOSEError && error.code === 'ERR_JOSE_GENERIC')
  );
}

function toIdentity(payload: JWTPayload, options: JwtOptions): AuthIdentity {
  const subject = payload.sub;
  if (typeof subject !== 'string' || subject === '') {
    throw authError('invalid_claims', 'The access token has no subject ("sub") claim.');
  }
  const identity: AuthIdentity = { subject, scopes: scopesOf(payload, options.scopeClaim), claims: payload };
  const clientId = pickString(
    payload,
    options.clientIdClaim ? [options.clientIdClaim] : ['client_id', 'azp'],
  );
  if (clientId !== undefined) identity.clientId = clientId;
  return identity;
}

function scopesOf(payload: JWTPayload, claim: string | undefined): readonly string[] {
  for (const name of claim ? [claim] : ['scope', 'scp']) {
    const value = payload[name];
    if (typeof value === 'string') return value.split(' ').filter((s) => s !== '');
    if (Array.isArray(value)) return value.filter((s): s is string => typeof s === 'string');
  }
  return [];
}

function pickString(payload: JWTPayload, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = payload[name];
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}
