import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { type Clock, clockNow, McpkitError } from '@mcpkit/core';
import type { NonceCache } from './nonce-cache.js';

/** Header names of a signed request. */
export const SIGNATURE_HEADERS = {
  signature: 'x-mcpkit-signature',
  timestamp: 'x-mcpkit-timestamp',
  nonce: 'x-mcpkit-nonce',
  keyId: 'x-mcpkit-key-id',
  contentSha256: 'x-mcpkit-content-sha256',
} as const;

/** What is signed: the HTTP method, the path (with query), and the raw body. */
export interface SignableRequest {
  method: string;
  path: string;
  body?: string;
}

/** Options of {@link signRequest}. */
export interface SignRequestOptions {
  /** Shared HMAC secret. */
  secret: string;
  /** Names the secret, so the verifier can hold several during rotation. Default: none. */
  keyId?: string;
  /** Clock in ms. Default: `clock`'s. */
  now?: () => number;
  /** The clock read when `now` is not given (see `Clock`). Default: `systemClock`. */
  clock?: Clock;
}

/** Hex SHA-256 of a body. */
function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function canonical(method: string, path: string, timestamp: string, nonce: string, bodyHash: string): string {
  return `${method.toUpperCase()}\n${path}\n${timestamp}\n${nonce}\n${bodyHash}`;
}

function hmac(secret: string, text: string): Buffer {
  return createHmac('sha256', secret).update(text, 'utf8').digest();
}

/**
 * Signs a service-to-service request: HMAC-SHA256 over method, path, timestamp, a random nonce and
 * the body's SHA-256. Returns the headers to send with it.
 */
export function signRequest(req: SignableRequest, options: SignRequestOptions): Record<string, string> {
  const timestamp = String(Math.floor(clockNow(options)() / 1000));
  const nonce = randomBytes(16).toString('base64url');
  const bodyHash = sha256(req.body ?? '');
  const signature = hmac(
    options.secret,
    canonical(req.method, req.path, timestamp, nonce, bodyHash),
  ).toString('hex');
  return {
    [SIGNATURE_HEADERS.signature]: `v1=${signature}`,
    [SIGNATURE_HEADERS.timestamp]: timestamp,
    [SIGNATURE_HEADERS.nonce]: nonce,
    [SIGNATURE_HEADERS.contentSha256]: bodyHash,
    ...(options.keyId !== undefined ? { [SIGNATURE_HEADERS.keyId]: options.keyId } : {}),
  };
}

/** Options of {@link verifySignedRequest}. */
export interface VerifySignedRequestOptions {
  /** Accepted secrets by key id; a lone secret is used when the request names none (key `default`). */
  secrets: Readonly<Record<string, string>>;
  /** Remembers nonces for the replay window. */
  nonces: NonceCache;
  /** Largest accepted clock difference, in ms. Default: 300 000 (5 minutes). */
  toleranceMs?: number;
  /** Clock in ms. Default: `clock`'s. */
  now?: () => number;
  /** The clock read when `now` is not given (see `Clock`). Default: `systemClock`. */
  clock?: Clock;
}

/** A signed request as the verifier sees it; without `body`, the signed body hash header is trusted. */
export interface SignedRequest extends SignableRequest {
  headers: Readonly<Record<string, string | undefined>>;
}

const refuse = (reason: string, message: string) =>
  new McpkitError('UNAUTHORIZED', message, {
    retryable: false,
    details: { reason },
    hint: 'Sign each request with signRequest() and a current clock.',
  });

/**
 * Verifies a request signed by {@link signRequest}: key id, timestamp within tolerance, unseen
 * nonce, body hash and HMAC (compared in constant time). Returns the key id; throws `UNAUTHORIZED`.
 */
export function verifySignedRequest(
  req: SignedRequest,
  options: VerifySignedRequestOptions,
): { keyId: string } {
  const h = req.headers;
  const signature = h[SIGNATURE_HEADERS.signature];
  const timestamp = h[SIGNATURE_HEADERS.timestamp];
  const nonce = h[SIGNATURE_HEADERS.nonce];
  const declaredHash = h[SIGNATURE_HEADERS.contentSha256];
  if (!signature || !timestamp || !nonce || !declaredHash) {
    throw refuse('missing', 'The request is not signed.');
  }
  const keyId = h[SIGNATURE_HEADERS.keyId] ?? 'default';
  const secret = Object.hasOwn(options.secrets, keyId) ? options.secrets[keyId] : undefined;
  if (secret === undefined) throw refuse('unknown_key', 'The request is signed with an unknown key.');
  const now = clockNow(options)();
  const tolerance = options.toleranceMs ?? 300_000;
  const sentAt = Number(timestamp) * 1000;
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(now - sentAt) > tolerance) {
    throw refuse('stale', 'The request signature is outside the accepted time window.');
  }
  if (req.body !== undefined && sha256(req.body) !== declaredHash) {
    throw refuse('body_mismatch', 'The request body does not match its signature.');
  }
  const expected = hmac(secret, canonical(req.method, req.path, timestamp, nonce, declaredHash));
  const given = /^v1=([0-9a-f]{64})$/.exec(signature)?.[1];
  if (given === undefined || !timingSafeEqual(Buffer.from(given, 'hex'), expected)) {
    throw refuse('bad_signature', 'The request signature does not verify.');
  }
  // Only a verified request may consume its nonce, or anyone could burn nonces in advance.
  if (!options.nonces.add(`${keyId}:${nonce}`, now))
    throw refuse('replayed', 'The request was already received.');
  return { keyId };
}
