import { McpkitError, type McpMethod, type Middleware } from '@mcpkit/core';
import { insufficientScope, missingScopes } from './scopes.js';

/**
 * Refuses the request unless the caller holds every scope given: `UNAUTHORIZED` for an anonymous
 * caller, `FORBIDDEN` (reason `insufficient_scope`) otherwise. Use per tool (`use: [requireScopes('a')]`)
 * or scoped to methods (`.use('tools/call', requireScopes('a'))`). In a tool's `use` it takes the
 * tool's argument and output types, so it fits tools with an `output` schema too.
 */
export function requireScopes<M extends McpMethod = 'tools/call', Args = unknown, Out = unknown>(
  ...scopes: string[]
): Middleware<M, Args, Out> {
  const required = Object.freeze([...scopes]);
  return async (ctx, next) => {
    if (ctx.auth === undefined) {
      throw new McpkitError('UNAUTHORIZED', 'This request needs an authenticated caller.', {
        retryable: false,
        hint: 'Install an auth plugin (apiKey, jwt, oauthResourceServer) before requireScopes.',
      });
    }
    const missing = missingScopes(ctx.auth, required);
    if (missing.length > 0) throw insufficientScope(missing, required);
    return next();
  };
}
