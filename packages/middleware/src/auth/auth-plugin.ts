import {
  type AuthIdentity,
  type EdgeGuard,
  HttpRefusal,
  isMcpkitError,
  type McpkitError,
  type Middleware,
  type Plugin,
  type StdioHeaderSource,
} from '@mcpkit/core';

/** What a request targets: the JSON-RPC method and tool/prompt name or resource URI, when known. */
export interface AuthTarget {
  readonly method: string | undefined;
  readonly name: string | undefined;
}

/** Reads request headers (lower-cased names) and returns the verified caller, or throws a coded error. */
export type Authenticate = (
  headers: Readonly<Record<string, string | undefined>>,
  target: AuthTarget,
) => AuthIdentity | Promise<AuthIdentity>;

/** Builds the extra response headers (`WWW-Authenticate`, …) for a refused request, knowing what it sent. */
export type Challenge = (
  error: McpkitError,
  headers: Readonly<Record<string, string | undefined>>,
) => Record<string, string>;

/**
 * Wraps an authenticator into a plugin that checks credentials on every request: an edge guard over
 * HTTP (refusing with 401/403 and a challenge header) and, for stdio and in-process clients that
 * have no edge, a middleware that authenticates from `ctx.headers` when no guard has set `ctx.auth`.
 * `stdioHeaders` maps the launch environment to the headers a stdio connection presents, so a
 * stdio server is authenticated by the same rules from the credential its launcher set.
 */
export function createAuthPlugin(
  name: string,
  authenticate: Authenticate,
  challenge: Challenge,
  stdioHeaders?: StdioHeaderSource,
): Plugin {
  const refuse = (error: unknown, headers: Readonly<Record<string, string | undefined>>): never => {
    // Anything uncoded is a fault of ours, not the caller's: core answers it with a logged 500.
    if (!isMcpkitError(error)) throw error;
    throw new HttpRefusal(error, { headers: challenge(error, headers) });
  };
  // Synchronous authenticators (API keys) stay synchronous: no promise per request at the edge.
  const guard: EdgeGuard = (req) => {
    let identity: AuthIdentity | Promise<AuthIdentity>;
    try {
      identity = authenticate(req.headers, { method: req.rpcMethod, name: req.rpcName });
    } catch (error) {
      return refuse(error, req.headers);
    }
    return identity instanceof Promise
      ? identity.then(
          (auth) => ({ auth }),
          (error: unknown) => refuse(error, req.headers),
        )
      : { auth: identity };
  };
  const middleware: Middleware = (ctx, next) => {
    if (ctx.auth !== undefined) return next();
    let identity: AuthIdentity | Promise<AuthIdentity>;
    try {
      identity = authenticate(ctx.headers, ctx);
    } catch (error) {
      return Promise.reject(error);
    }
    if (!(identity instanceof Promise)) {
      ctx.auth = identity;
      return next();
    }
    return identity.then((auth) => {
      ctx.auth = auth;
      return next();
    });
  };
  return {
    name,
    install(builder) {
      builder.guard(guard);
      builder.use(middleware);
      if (stdioHeaders) builder.stdioHeaders(stdioHeaders);
    },
  };
}
