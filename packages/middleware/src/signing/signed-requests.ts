import type { AuthIdentity, EdgeGuard, Plugin } from '@mcpkit/core';
import { type Clock, clockNow } from '@mcpkit/core';
import { createNonceCache } from './nonce-cache.js';
import { verifySignedRequest } from './sign-request.js';

/** Options of {@link signedRequests}. */
export interface SignedRequestsOptions {
  /** Accepted secrets by key id (`default` for requests that name none). */
  secrets: Readonly<Record<string, string>>;
  /** Largest accepted clock difference, in ms; also how long nonces are remembered. Default: 300 000. */
  toleranceMs?: number;
  /** Most nonces remembered. Default: 100 000. */
  maxNonces?: number;
  /** The identity a verified key stands for. Default: subject `service:<keyId>`, no scopes. */
  identity?: (keyId: string) => AuthIdentity;
  /** Clock in ms. Default: `clock`'s. */
  now?: () => number;
  /** The clock read when `now` is not given (see `Clock`). Default: `systemClock`. */
  clock?: Clock;
}

/**
 * Requires service-to-service MCP requests to be HMAC-signed (see `signRequest`): an edge guard
 * that refuses unsigned, stale, replayed or forged requests with 401 and sets `ctx.auth` to the
 * signing service. HTTP only. The signature covers the body exactly as received.
 */
export function signedRequests(options: SignedRequestsOptions): Plugin {
  const toleranceMs = options.toleranceMs ?? 300_000;
  const nonces = createNonceCache({ ttlMs: 2 * toleranceMs, max: options.maxNonces ?? 100_000 });
  const identity = options.identity ?? ((keyId: string) => ({ subject: `service:${keyId}`, scopes: [] }));
  const guard: EdgeGuard = (req) => {
    const body = req.body;
    const { keyId } = verifySignedRequest(
      {
        method: req.httpMethod,
        path: req.path,
        headers: req.headers,
        ...(typeof body === 'string' ? { body } : {}),
      },
      { secrets: options.secrets, nonces, toleranceMs, now: clockNow(options) },
    );
    return { auth: identity(keyId) };
  };
  return {
    name: 'signedRequests',
    install(builder) {
      builder.guard(guard);
    },
  };
}
