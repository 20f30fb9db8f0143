import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthClientProvider,
  OAuthTokens,
} from '@modelcontextprotocol/client';

/** Options of {@link createOAuthProvider}. */
export interface OAuthProviderOptions {
  /** Where the authorization server sends the user back (your callback URL). */
  redirectUrl: string | URL;
  /** Client metadata for dynamic registration. Default: `{ client_name: 'mcpkit-client', redirect_uris: [redirectUrl] }`. */
  clientMetadata?: Partial<OAuthClientMetadata>;
  /** A Client ID Metadata Document URL (CIMD), used as the client id where the server supports it. */
  clientMetadataUrl?: string;
  /** Credentials registered beforehand (no dynamic registration then). */
  clientInformation?: OAuthClientInformationMixed;
  /** Sends the user to the authorization URL (open a browser, print it …). */
  openAuthorization: (authorizationUrl: URL) => void | Promise<void>;
  /** Called with every new token set, to persist it. */
  onTokens?: (tokens: OAuthTokens) => void | Promise<void>;
  /** Tokens from a previous run, to start from. */
  tokens?: OAuthTokens;
}

/**
 * An in-memory `OAuthClientProvider` for the official SDK's OAuth 2.1 client, for the
 * authorization-code flow with PKCE: it keeps the registered client, the tokens and the PKCE
 * verifier, and hands the authorization URL to `openAuthorization`. Pass it as
 * `auth: { type: 'oauth', provider, authorizationCallback }`.
 */
export function createOAuthProvider(options: OAuthProviderOptions): OAuthClientProvider {
  const redirect = String(options.redirectUrl);
  // Client ids are per authorization server (RFC 6749 §2.2): one registration per issuer.
  const clients = new Map<string, OAuthClientInformationMixed>();
  let tokens: OAuthTokens | undefined = options.tokens;
  let verifier: string | undefined;
  const metadata: OAuthClientMetadata = {
    client_name: 'mcpkit-client',
    redirect_uris: [redirect],
    ...options.clientMetadata,
  };
  return {
    get redirectUrl() {
      return redirect;
    },
    get clientMetadata() {
      return metadata;
    },
    ...(options.clientMetadataUrl ? { clientMetadataUrl: options.clientMetadataUrl } : {}),
    clientInformation: (ctx) => clients.get(ctx?.issuer ?? '') ?? options.clientInformation,
    saveClientInformation(information, ctx) {
      clients.set(ctx?.issuer ?? '', information);
    },
    tokens: () => tokens,
    async saveTokens(next) {
      tokens = next;
      await options.onTokens?.(next);
    },
    redirectToAuthorization: (url) => options.openAuthorization(url),
    saveCodeVerifier(next) {
      verifier = next;
    },
    codeVerifier() {
      if (verifier === undefined) throw new Error('No PKCE code verifier was saved for this authorization.');
      return verifier;
    },
    invalidateCredentials(scope) {
      if (scope === 'all' || scope === 'tokens') tokens = undefined;
      if (scope === 'all' || scope === 'client') clients.clear();
      if (scope === 'all' || scope === 'verifier') verifier = undefined;
    },
  };
}
