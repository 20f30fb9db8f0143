import type { AuthIdentity, Plugin, RouteHandler, RouteResponse } from '@mcpkit/core';
import { McpkitError } from '@mcpkit/core';
import { authError, bearerToken } from './auth-error.js';
import { createAuthPlugin } from './auth-plugin.js';
import { credentialFromEnv, onStdio } from './credential-from-env.js';
import {
  bearerChallenge,
  createJwtVerifier,
  DEFAULT_TOKEN_ENV,
  type JwtOptions,
  type TokenVerifier,
} from './jwt.js';
import { insufficientScope, missingScopes } from './scopes.js';

/** Options of {@link oauthResourceServer}. Give `jwt` or `verify`. */
export interface OAuthResourceServerOptions {
  /** Canonical URI of the MCP endpoint, e.g. `https://mcp.example.com/mcp`; tokens must name it as audience (RFC 8707). */
  resource: string;
  /** Issuer URLs of the authorization servers that issue tokens for this resource. */
  authorizationServers: readonly string[];
  /** JWT verification (the audience is always `resource`). */
  jwt?: Omit<JwtOptions, 'audience' | 'realm' | 'stdioEnv'>;
  /** Custom token verification (e.g. introspection); it must check the audience itself. */
  verify?: TokenVerifier;
  /** Scopes advertised in the metadata document. Default: omitted. */
  scopesSupported?: readonly string[];
  /** Scopes every request needs. Default: none. */
  requiredScopes?: readonly string[];
  /**
   * Scopes a `tools/call` of each tool needs, checked at the edge so the client gets a 403
   * `insufficient_scope` challenge it can step up from. Default: none.
   */
  toolScopes?: Readonly<Record<string, readonly string[]>>;
  /** Human-readable name in the metadata document. Default: omitted. */
  resourceName?: string;
  /** Documentation URL in the metadata document. Default: omitted. */
  resourceDocumentation?: string;
  /** Also serve the metadata at the root `/.well-known/oauth-protected-resource`. Default: true. */
  rootMetadata?: boolean;
  /**
   * Environment variable a stdio server reads the caller's access token from (set by its
   * launcher); verified like a bearer token over HTTP. `false` reads nothing. Default: `MCP_ACCESS_TOKEN`.
   */
  stdioEnv?: string | false;
}

const WELL_KNOWN = '/.well-known/oauth-protected-resource';

/** The metadata path for a resource URI: the well-known prefix inserted before the resource's path (RFC 9728 §3.1). */
export function protectedResourceMetadataPath(resource: string): string {
  const path = new URL(resource).pathname.replace(/\/+$/, '');
  return `${WELL_KNOWN}${path}`;
}

/**
 * An OAuth 2.1 resource server per the MCP authorization spec: verifies bearer tokens on every
 * request with the audience bound to `resource`, serves RFC 9728 protected-resource metadata,
 * answers 401 with `WWW-Authenticate: Bearer resource_metadata=…` and 403 `insufficient_scope`.
 */
export function oauthResourceServer(options: OAuthResourceServerOptions): Plugin {
  const url = new URL(options.resource);
  if (url.hash !== '') {
    throw new McpkitError('VALIDATION_FAILED', 'oauthResourceServer(): `resource` must not have a fragment.');
  }
  if (options.authorizationServers.length === 0) {
    throw new McpkitError(
      'VALIDATION_FAILED',
      'oauthResourceServer(): name at least one authorization server.',
    );
  }
  const verify =
    options.verify ?? (options.jwt && createJwtVerifier({ ...options.jwt, audience: options.resource }));
  if (!verify) {
    throw new McpkitError(
      'VALIDATION_FAILED',
      'oauthResourceServer(): give `jwt` options or a `verify` function.',
    );
  }
  const stdioEnv = options.stdioEnv ?? DEFAULT_TOKEN_ENV;
  const path = protectedResourceMetadataPath(options.resource);
  const metadataUrl = `${url.origin}${path}`;
  const required = options.requiredScopes ?? [];
  const toolScopes = options.toolScopes ?? {};
  const challengeScope = (required.length > 0 ? required : (options.scopesSupported ?? [])).join(' ');

  const document = JSON.stringify({
    resource: options.resource,
    authorization_servers: options.authorizationServers,
    ...(options.scopesSupported ? { scopes_supported: options.scopesSupported } : {}),
    bearer_methods_supported: ['header'],
    ...(options.resourceName ? { resource_name: options.resourceName } : {}),
    ...(options.resourceDocumentation ? { resource_documentation: options.resourceDocumentation } : {}),
  });
  const serveMetadata: RouteHandler = (req): RouteResponse => {
    const cors = { 'access-control-allow-origin': '*' };
    if (req.method === 'OPTIONS') {
      return { status: 204, headers: { ...cors, 'access-control-allow-methods': 'GET, OPTIONS' } };
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return { status: 405, headers: { allow: 'GET, HEAD, OPTIONS' } };
    }
    return {
      status: 200,
      headers: { ...cors, 'content-type': 'application/json', 'cache-control': 'public, max-age=300' },
      body: req.method === 'HEAD' ? '' : document,
    };
  };

  const auth = createAuthPlugin(
    'oauthResourceServer',
    async (headers, target): Promise<AuthIdentity> => {
      const token = bearerToken(headers);
      if (token === undefined) {
        throw authError(
          'missing',
          'A bearer token is required.',
          `Obtain a token from the authorization server in the resource metadata${onStdio(stdioEnv)}.`,
        );
      }
      const identity = await verify(token);
      const needed =
        target.method === 'tools/call' && target.name !== undefined && Object.hasOwn(toolScopes, target.name)
          ? [...required, ...(toolScopes[target.name] ?? [])]
          : required;
      const missing = missingScopes(identity, needed);
      if (missing.length > 0) throw insufficientScope(missing, needed);
      return identity;
    },
    (error) => {
      const requiredScopes = error.details?.requiredScopes;
      const scope = Array.isArray(requiredScopes) ? requiredScopes.join(' ') : challengeScope;
      return { 'www-authenticate': bearerChallenge(error, { resourceMetadata: metadataUrl, scope }) };
    },
    credentialFromEnv(stdioEnv, 'authorization', (token) => `Bearer ${token}`),
  );

  return {
    name: 'oauthResourceServer',
    install(builder) {
      builder.route(path, serveMetadata);
      if ((options.rootMetadata ?? true) && path !== WELL_KNOWN) builder.route(WELL_KNOWN, serveMetadata);
      auth.install(builder);
    },
  };
}
