/** A source of access tokens (see the OAuth2 providers): cached, refreshed, invalidated on a 401. */
export interface TokenProvider {
  readonly type: 'oauth2';
  /** Resolves to a valid access token, fetching or refreshing it when needed. */
  getToken(): Promise<string>;
  /** Forgets `token` if it is still the cached one (after the upstream answered 401). */
  invalidate(token: string): void;
}

/** A value, or a function that produces it per request (for secrets that rotate). */
export type Secret = string | (() => string | Promise<string>);

/** How an upstream authenticates: bearer token, basic credentials, a custom header, or a token provider. */
export type UpstreamAuth =
  | { type: 'bearer'; token: Secret }
  | { type: 'basic'; username: string; password: Secret }
  | { type: 'header'; name: string; value: Secret }
  | TokenProvider;

const reveal = async (secret: Secret): Promise<string> => (typeof secret === 'function' ? secret() : secret);

/** The header an {@link UpstreamAuth} adds to a request, plus the token used (for 401 handling). */
export async function authHeader(
  auth: UpstreamAuth,
): Promise<{ name: string; value: string; token?: string }> {
  switch (auth.type) {
    case 'bearer':
      return { name: 'authorization', value: `Bearer ${await reveal(auth.token)}` };
    case 'basic': {
      const encoded = Buffer.from(`${auth.username}:${await reveal(auth.password)}`).toString('base64');
      return { name: 'authorization', value: `Basic ${encoded}` };
    }
    case 'header':
      return { name: auth.name.toLowerCase(), value: await reveal(auth.value) };
    case 'oauth2': {
      const token = await auth.getToken();
      return { name: 'authorization', value: `Bearer ${token}`, token };
    }
  }
}
