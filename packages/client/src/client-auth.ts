import { McpkitError } from '@mcpkit/core';
import { authHeader, type UpstreamAuth } from '@mcpkit/resilience';
import type { AuthProvider, FetchLike, OAuthClientProvider } from '@modelcontextprotocol/client';

/**
 * How the client authenticates to an HTTP server:
 * - `{ type: 'bearer', token }`, `{ type: 'basic', … }`, `{ type: 'header', name, value }` (an API
 *   key header) — secrets may be functions, called per request, for rotation;
 * - a token provider from `@mcpkit/resilience` (`createClientCredentialsProvider`,
 *   `createRefreshTokenProvider`): machine-to-machine OAuth 2.1, the token is dropped and fetched
 *   again when the server answers 401;
 * - `{ type: 'oauth', provider }`: the official SDK's OAuth 2.1 client (`OAuthClientProvider`, its
 *   `ClientCredentialsProvider`, …) — protected-resource and authorization-server metadata
 *   discovery, PKCE, scopes from `WWW-Authenticate`, step-up on `insufficient_scope`, refresh.
 */
export type ClientAuth = UpstreamAuth | OAuthAuth;

/** OAuth 2.1 through the official SDK's client (see {@link ClientAuth}). */
export interface OAuthAuth {
  type: 'oauth';
  /** The official `OAuthClientProvider`: stores client information, tokens and the PKCE verifier, and sends the user to authorize. */
  provider: OAuthClientProvider;
  /**
   * For the authorization-code flow: resolves to the redirect the user came back with (the callback
   * URL, its search parameters, or the bare code) after `provider.redirectToAuthorization()` ran.
   * The client then redeems it (`iss` is checked, RFC 9207) and repeats the connect or the call
   * that needed it — also for a step-up to more scopes. Without it, such a call rejects with
   * `UNAUTHORIZED`. Not needed for machine-to-machine providers.
   */
  authorizationCallback?: () => Promise<URL | URLSearchParams | string>;
}

/** The search parameters (or bare code) `finishAuth` takes, from what an {@link OAuthAuth} callback gave. */
export function callbackParams(value: URL | URLSearchParams | string): URLSearchParams | string {
  return value instanceof URL ? value.searchParams : value;
}

/** What the HTTP transport needs for a {@link ClientAuth}: an auth provider, or a fetch that adds a header. */
export interface HttpAuth {
  authProvider?: AuthProvider | OAuthClientProvider;
  wrapFetch?: (fetch: FetchLike) => FetchLike;
}

/** Adapts a {@link ClientAuth} to the official HTTP transport. */
export function httpAuth(auth: ClientAuth | undefined): HttpAuth {
  if (auth === undefined) return {};
  switch (auth.type) {
    case 'oauth':
      return { authProvider: auth.provider };
    case 'oauth2': {
      let last: string | undefined;
      return {
        authProvider: {
          async token() {
            last = await auth.getToken();
            return last;
          },
          async onUnauthorized() {
            if (last !== undefined) auth.invalidate(last);
          },
        },
      };
    }
    case 'bearer':
      return {
        authProvider: {
          async token() {
            return (await authHeader(auth)).value.slice('Bearer '.length);
          },
        },
      };
    default:
      return {
        wrapFetch: (next) => async (url, init) => {
          const { name, value } = await authHeader(auth);
          const headers = new Headers(init?.headers);
          headers.set(name, value);
          return next(url, { ...init, headers });
        },
      };
  }
}

/** The header a {@link ClientAuth} puts on in-process requests (`ctx.headers`), resolved once. */
export async function staticAuthHeader(auth: ClientAuth | undefined): Promise<Record<string, string>> {
  if (auth === undefined) return {};
  if (auth.type === 'oauth') {
    throw new McpkitError(
      'VALIDATION_FAILED',
      'OAuth needs an HTTP server to discover its authorization server.',
      {
        hint: 'Use `auth: { type: "bearer", token }` for a server in the same process.',
      },
    );
  }
  const { name, value } = await authHeader(auth);
  return { [name]: value };
}
