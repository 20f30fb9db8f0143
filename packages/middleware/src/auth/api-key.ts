import * as crypto from 'node:crypto';
import { type AuthIdentity, McpkitError, type Plugin } from '@mcpkit/core';
import { authError, bearerToken, quoted, reasonOf } from './auth-error.js';
import { createAuthPlugin } from './auth-plugin.js';
import { credentialFromEnv, onStdio } from './credential-from-env.js';

/** One accepted API key, stored as the SHA-256 hash of the key (never the key itself). */
export interface ApiKeyEntry {
  /** Hex SHA-256 of the key, as made by {@link hashApiKey}. */
  hash: string;
  /** Caller identity the key stands for. */
  subject: string;
  /** Scopes the key grants. Default: none. */
  scopes?: readonly string[];
  /** OAuth-style client id, when the key belongs to a client application. */
  clientId?: string;
  /** Extra verified claims passed inward (tenant, roles, …). */
  claims?: Readonly<Record<string, unknown>>;
}

/** Options of {@link apiKey}. Give `keys`, `verify` or both (keys are tried first). */
export interface ApiKeyOptions {
  /** Accepted keys, by hash. */
  keys?: readonly ApiKeyEntry[];
  /** Looks a key up elsewhere (a database); return undefined to refuse it. Receives the raw key: never log it. */
  verify?: (key: string) => AuthIdentity | undefined | Promise<AuthIdentity | undefined>;
  /** Header carrying the key. Default: `x-api-key` (an `Authorization: Bearer <key>` header is accepted too). */
  header?: string;
  /** Whether `Authorization: Bearer <key>` is accepted as well. Default: true. */
  acceptBearer?: boolean;
  /** Realm named in `WWW-Authenticate`. Default: `mcp`. */
  realm?: string;
  /**
   * Environment variable a stdio server reads the caller's key from (the launcher sets it, as in
   * the `env` of an `mcpServers` entry); it is presented in `header` on every stdio request and
   * verified like an HTTP one. `false` reads nothing. Default: `MCP_API_KEY`.
   */
  stdioEnv?: string | false;
}

/** The hex SHA-256 of an API key: what {@link apiKey} stores and compares. */
export function hashApiKey(key: string): string {
  return crypto.createHash('sha256').update(key, 'utf8').digest('hex');
}

// One-shot hashing (Node >= 20.12) skips building a Hash stream object per request; older 20.x
// releases fall back to createHash. Looked up through the namespace so older releases still link.
const oneShotHash = (crypto as { hash?: typeof crypto.hash }).hash;

/**
 * The SHA-256 digest of a presented key as a 32-character binary (latin1) string: several times
 * cheaper than a Buffer from the one-shot hash, and compared below without a Buffer either.
 */
function digestOf(key: string): string {
  return oneShotHash !== undefined
    ? oneShotHash('sha256', key, 'binary')
    : crypto.createHash('sha256').update(key, 'utf8').digest('binary');
}

/** Most accepted keys {@link apiKey} remembers, to skip hashing them again. */
const ACCEPTED_CACHE_SIZE = 1_000;

/** Whether two digests are equal, in time that does not depend on where they differ. */
function sameDigest(a: string, b: string): boolean {
  let difference = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}

/**
 * API-key authentication, checked on every request: keys are configured as SHA-256 hashes and
 * compared in constant time; a key maps to an identity with scopes that becomes `ctx.auth`. The
 * last 1,000 distinct keys that matched a configured hash are remembered, so a caller's later
 * requests are not hashed again; unknown keys are never remembered.
 */
export function apiKey(options: ApiKeyOptions): Plugin {
  const header = (options.header ?? 'x-api-key').toLowerCase();
  const acceptBearer = options.acceptBearer ?? true;
  const realm = options.realm ?? 'mcp';
  const stdioEnv = options.stdioEnv ?? 'MCP_API_KEY';
  const missingHint = `Send the key in the ${header} header${onStdio(stdioEnv)}.`;
  const entries = (options.keys ?? []).map((entry) => {
    if (!/^[0-9a-f]{64}$/i.test(entry.hash)) {
      throw new McpkitError(
        'VALIDATION_FAILED',
        `API key entry for "${entry.subject}" is not a hex SHA-256 hash.`,
        {
          hint: 'Store hashApiKey(key), not the key.',
        },
      );
    }
    return { digest: Buffer.from(entry.hash, 'hex').toString('latin1'), identity: toIdentity(entry) };
  });
  if (entries.length === 0 && !options.verify) {
    throw new McpkitError('VALIDATION_FAILED', 'apiKey() needs `keys` or `verify`.', {
      hint: 'Configure at least one key hash or a verify function.',
    });
  }

  // Keys that matched a configured hash, so a caller's next requests skip the SHA-256: only keys
  // from `keys` (a `verify` answer may change, so it is asked every time), at most
  // ACCEPTED_CACHE_SIZE of them (the oldest goes first). An unknown key is never remembered, so
  // guessing fills nothing. The keys sit in memory beside the headers that carried them.
  const accepted = new Map<string, AuthIdentity>();
  const remember = (key: string, identity: AuthIdentity): void => {
    if (accepted.size >= ACCEPTED_CACHE_SIZE) accepted.delete(accepted.keys().next().value as string);
    accepted.set(key, identity);
  };
  const refuseUnknown = (): never => {
    throw authError('unknown_key', 'The API key is not valid.', 'Check the key, or ask for a new one.');
  };
  // Synchronous unless a `verify` lookup has to run, so the common path costs no promise.
  const authenticate = (
    headers: Readonly<Record<string, string | undefined>>,
  ): AuthIdentity | Promise<AuthIdentity> => {
    const key = headers[header] || (acceptBearer ? bearerToken(headers) : undefined);
    if (key === undefined || key === '') {
      throw authError('missing', 'An API key is required.', missingHint);
    }
    const known = accepted.get(key);
    if (known !== undefined) return known;
    const digest = digestOf(key);
    // Every entry is compared, so the time taken does not tell which (or whether a) prefix matched.
    let found: AuthIdentity | undefined;
    for (const entry of entries) {
      if (sameDigest(entry.digest, digest) && found === undefined) found = entry.identity;
    }
    if (found !== undefined) {
      remember(key, found);
      return found;
    }
    if (!options.verify) return refuseUnknown();
    return Promise.resolve(options.verify(key)).then((verified) => verified ?? refuseUnknown());
  };

  // The challenge names the scheme the caller used (RFC 9110 §11.6.1); a caller that sent nothing
  // is offered every scheme this server accepts.
  const keyChallenge = `ApiKey realm=${quoted(realm)}, header=${quoted(header)}`;
  const bearerChallenge = `Bearer realm=${quoted(realm)}`;
  const challenge = (error: McpkitError, headers: Readonly<Record<string, string | undefined>>) => {
    if (reasonOf(error) === 'missing') {
      return { 'www-authenticate': acceptBearer ? `${keyChallenge}, ${bearerChallenge}` : keyChallenge };
    }
    const usedKeyHeader = headers[header] !== undefined && headers[header] !== '';
    return {
      'www-authenticate': usedKeyHeader
        ? `${keyChallenge}, error="invalid_key"`
        : `${bearerChallenge}, error="invalid_token"`,
    };
  };
  return createAuthPlugin('apiKey', authenticate, challenge, credentialFromEnv(stdioEnv, header));
}

function toIdentity(entry: ApiKeyEntry): AuthIdentity {
  const identity: AuthIdentity = { subject: entry.subject, scopes: Object.freeze([...(entry.scopes ?? [])]) };
  if (entry.clientId !== undefined) identity.clientId = entry.clientId;
  if (entry.claims !== undefined) identity.claims = entry.claims;
  return Object.freeze(identity);
}
