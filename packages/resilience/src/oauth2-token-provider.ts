import { McpkitError } from '@mcpkit/core';
import type { Secret, TokenProvider } from './upstream-auth.js';

/** Options shared by the OAuth2 token providers. */
interface OAuth2CommonOptions {
  /** The token endpoint, e.g. `https://auth.example.com/oauth/token`. */
  tokenUrl: string;
  clientId: string;
  /** Client secret; a function is called on each token request (rotating secrets). */
  clientSecret?: Secret;
  /** Scopes to ask for. */
  scope?: string | readonly string[];
  /** How the client authenticates at the token endpoint. Default: `client_secret_basic`. */
  clientAuth?: 'client_secret_basic' | 'client_secret_post';
  /** Extra form parameters (for example `audience`). */
  extraParams?: Record<string, string>;
  /** Refresh this long before the token expires. Default: 30 000 ms. */
  refreshBeforeExpiryMs?: number;
  /** Lifetime assumed when the endpoint sends no `expires_in`. Default: 300 000 ms. */
  defaultLifetimeMs?: number;
  /** Deadline of one token request. Default: 10 000 ms. */
  timeoutMs?: number;
  /** The `fetch` to use. Default: the global `fetch`. */
  fetch?: typeof fetch;
}

/** Options of {@link createClientCredentialsProvider}. */
export interface ClientCredentialsOptions extends OAuth2CommonOptions {
  clientSecret: Secret;
}

/** Options of {@link createRefreshTokenProvider}. */
export interface RefreshTokenOptions extends OAuth2CommonOptions {
  /** The refresh token to start from. */
  refreshToken: string;
  /** Called when the endpoint rotates the refresh token, so it can be stored. */
  onRefreshToken?: (refreshToken: string) => void | Promise<void>;
}

interface TokenResponse {
  access_token?: unknown;
  expires_in?: unknown;
  refresh_token?: unknown;
}

async function requestToken(
  options: OAuth2CommonOptions,
  grant: Record<string, string>,
): Promise<TokenResponse> {
  const form = new URLSearchParams({ ...grant, ...options.extraParams });
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  const secret = options.clientSecret === undefined ? undefined : await resolveSecret(options.clientSecret);
  if (options.clientAuth === 'client_secret_post' || secret === undefined) {
    form.set('client_id', options.clientId);
    if (secret !== undefined) form.set('client_secret', secret);
  } else {
    // RFC 6749 §2.3.1: both parts are form-urlencoded before base64.
    const user = encodeURIComponent(options.clientId);
    headers.authorization = `Basic ${Buffer.from(`${user}:${encodeURIComponent(secret)}`).toString('base64')}`;
  }
  if (options.scope !== undefined) {
    form.set('scope', typeof options.scope === 'string' ? options.scope : options.scope.join(' '));
  }
  const doFetch = options.fetch ?? fetch;
  let response: Response;
  try {
    response = await doFetch(options.tokenUrl, {
      method: 'POST',
      headers,
      body: form,
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
  } catch (error) {
    throw new McpkitError('UPSTREAM_UNAVAILABLE', 'The OAuth2 token endpoint could not be reached.', {
      cause: error,
      hint: 'The provider’s authorization server is unreachable; try again later.',
    });
  }
  const text = await response.text();
  if (!response.ok) {
    const retryable = response.status >= 500 || response.status === 429;
    throw new McpkitError(
      retryable ? 'UPSTREAM_UNAVAILABLE' : 'UPSTREAM_ERROR',
      `The OAuth2 token endpoint refused the request (${response.status}).`,
      {
        retryable,
        // The body can name the client; it goes to the log only.
        cause: new Error(`token endpoint answered ${response.status}: ${text.slice(0, 2_048)}`),
        hint: retryable
          ? 'Try again later.'
          : 'The server’s credentials for this provider are wrong; report it.',
      },
    );
  }
  try {
    return JSON.parse(text) as TokenResponse;
  } catch (error) {
    throw new McpkitError('UPSTREAM_ERROR', 'The OAuth2 token endpoint sent an unreadable answer.', {
      cause: error,
      retryable: false,
    });
  }
}

async function resolveSecret(secret: Secret): Promise<string> {
  return typeof secret === 'function' ? secret() : secret;
}

/**
 * The caching core of both providers: one token at a time, refreshed before expiry, never two
 * fetches in parallel (concurrent callers share the one in flight).
 */
function cachingProvider(
  options: OAuth2CommonOptions,
  fetchToken: () => Promise<TokenResponse>,
): TokenProvider {
  const skew = options.refreshBeforeExpiryMs ?? 30_000;
  const defaultLifetime = options.defaultLifetimeMs ?? 300_000;
  let cached: { token: string; refreshAt: number } | undefined;
  let inFlight: Promise<string> | undefined;

  const refresh = (): Promise<string> => {
    inFlight ??= fetchToken()
      .then((answer) => {
        if (typeof answer.access_token !== 'string' || answer.access_token === '') {
          throw new McpkitError('UPSTREAM_ERROR', 'The OAuth2 token endpoint sent no access token.', {
            retryable: false,
          });
        }
        const lifetime =
          typeof answer.expires_in === 'number' && answer.expires_in > 0
            ? answer.expires_in * 1_000
            : defaultLifetime;
        // Short-lived tokens still get half their life before a refresh.
        cached = {
          token: answer.access_token,
          refreshAt: Date.now() + Math.max(lifetime - skew, lifetime / 2),
        };
        return answer.access_token;
      })
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };

  return {
    type: 'oauth2',
    getToken() {
      if (cached && Date.now() < cached.refreshAt) return Promise.resolve(cached.token);
      return refresh();
    },
    invalidate(token) {
      if (cached?.token === token) cached = undefined;
    },
  };
}

/** Creates an OAuth2 client-credentials token provider (RFC 6749 §4.4) for `createUpstream({ auth })`. */
export function createClientCredentialsProvider(options: ClientCredentialsOptions): TokenProvider {
  return cachingProvider(options, () => requestToken(options, { grant_type: 'client_credentials' }));
}

/**
 * Creates an OAuth2 refresh-token provider (RFC 6749 §6): trades the refresh token for access
 * tokens and follows refresh-token rotation.
 */
export function createRefreshTokenProvider(options: RefreshTokenOptions): TokenProvider {
  let refreshToken = options.refreshToken;
  return cachingProvider(options, async () => {
    const answer = await requestToken(options, { grant_type: 'refresh_token', refresh_token: refreshToken });
    if (typeof answer.refresh_token === 'string' && answer.refresh_token !== refreshToken) {
      refreshToken = answer.refresh_token;
      await options.onRefreshToken?.(refreshToken);
    }
    return answer;
  });
}
