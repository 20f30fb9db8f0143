import { type AuthIdentity, type Middleware, type Plugin, ProtocolError, RpcCode } from '@mcpkit/core';
import { missingScopes } from './scopes.js';

/** Options of {@link rbac}. */
export interface RbacOptions {
  /** Scopes each role grants, e.g. `{ admin: ['payments:read', 'payments:write'] }`. Default: none. */
  roles?: Readonly<Record<string, readonly string[]>>;
  /** Claim of `ctx.auth.claims` that lists the caller's roles (array or space-separated string). Default: `roles`. */
  rolesClaim?: string;
  /** Scopes needed to see and call each tool. Tools not listed are open to every caller. */
  tools?: Readonly<Record<string, readonly string[]>>;
  /** Scopes needed to see and get each prompt. Prompts not listed are open. */
  prompts?: Readonly<Record<string, readonly string[]>>;
  /** Scopes needed to see and read each resource, by exact URI. Resources not listed are open. */
  resources?: Readonly<Record<string, readonly string[]>>;
}

/**
 * Role-based access in one place: expands the caller's roles into scopes on `ctx.auth`, hides from
 * `tools/list`, `prompts/list` and `resources/list` what the caller may not use, and refuses a call
 * to a hidden item with exactly the error an unknown item gets, so hidden names cannot be probed.
 * Install it after the auth plugin.
 */
export function rbac(options: RbacOptions): Plugin {
  const roles = options.roles ?? {};
  const rolesClaim = options.rolesClaim ?? 'roles';
  const tools = options.tools ?? {};
  const prompts = options.prompts ?? {};
  const resources = options.resources ?? {};
  const allowed = (
    table: Readonly<Record<string, readonly string[]>>,
    auth: AuthIdentity | undefined,
    name: string,
  ) => !Object.hasOwn(table, name) || missingScopes(auth, table[name] ?? []).length === 0;

  const expandRoles: Middleware = async (ctx, next) => {
    if (ctx.auth !== undefined) ctx.auth = withRoleScopes(ctx.auth, roles, rolesClaim);
    return next();
  };
  const filterTools: Middleware<'tools/list'> = async (ctx, next) => {
    const result = await next();
    return { ...result, tools: result.tools.filter((tool) => allowed(tools, ctx.auth, tool.name)) };
  };
  const filterPrompts: Middleware<'prompts/list'> = async (ctx, next) => {
    const result = await next();
    return { ...result, prompts: result.prompts.filter((prompt) => allowed(prompts, ctx.auth, prompt.name)) };
  };
  const filterResources: Middleware<'resources/list'> = async (ctx, next) => {
    const result = await next();
    return { ...result, resources: result.resources.filter((r) => allowed(resources, ctx.auth, r.uri)) };
  };
  // The refusals below repeat core's own answers for unknown names, so hidden and absent look alike.
  const guardTool: Middleware<'tools/call'> = async (ctx, next) => {
    if (!allowed(tools, ctx.auth, ctx.name)) {
      throw new ProtocolError(RpcCode.INVALID_PARAMS, `Unknown tool: ${ctx.name}`, {
        hint: 'Call tools/list to see the tools this server offers.',
      });
    }
    return next();
  };
  const guardPrompt: Middleware<'prompts/get'> = async (ctx, next) => {
    if (!allowed(prompts, ctx.auth, ctx.name)) {
      throw new ProtocolError(RpcCode.INVALID_PARAMS, `Unknown prompt: ${ctx.name}`, {
        hint: 'Call prompts/list to see the prompts this server offers.',
      });
    }
    return next();
  };
  const guardResource: Middleware<'resources/read'> = async (ctx, next) => {
    if (!allowed(resources, ctx.auth, ctx.uri)) {
      throw new ProtocolError(RpcCode.INVALID_PARAMS, 'Resource not found', { uri: ctx.uri });
    }
    return next();
  };

  return {
    name: 'rbac',
    install(builder) {
      builder.use(expandRoles);
      builder.use('tools/list', filterTools);
      builder.use('tools/call', guardTool);
      builder.use('prompts/list', filterPrompts);
      builder.use('prompts/get', guardPrompt);
      builder.use('resources/list', filterResources);
      builder.use('resources/read', guardResource);
    },
  };
}

/** The identity with the scopes its roles grant added (unchanged when it has no known role). */
export function withRoleScopes(
  auth: AuthIdentity,
  roles: Readonly<Record<string, readonly string[]>>,
  rolesClaim = 'roles',
): AuthIdentity {
  const claimed = auth.claims?.[rolesClaim];
  const names = typeof claimed === 'string' ? claimed.split(' ') : Array.isArray(claimed) ? claimed : [];
  const extra = names.flatMap((role) =>
    typeof role === 'string' && Object.hasOwn(roles, role) ? (roles[role] ?? []) : [],
  );
  if (extra.length === 0) return auth;
  return { ...auth, scopes: [...new Set([...auth.scopes, ...extra])] };
}
