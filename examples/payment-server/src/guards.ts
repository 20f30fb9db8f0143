import type { Middleware, ToolCallContext } from '@mcpkit/core';
import { consent, requireScopes } from '@mcpkit/middleware';
import { type Currency, formatAmount } from './currencies.js';

/** What a money-moving call did, left in `ctx.state` for the audit record. */
export interface MoneyMovement {
  action: 'charge' | 'capture' | 'reverse' | 'refund' | 'transfer';
  amount?: number;
  currency?: string;
  objectId?: string;
  chargeId?: string;
  /** The idempotency key sent to the provider (named so redaction keeps it: it is not a secret). */
  idempotency: string;
  items?: number;
}

declare module '@mcpkit/core' {
  interface ContextState {
    /** Set by the payment tools that move money; read by the audit plugin's `fields`. */
    payment: MoneyMovement | MoneyMovement[];
  }
}

/** Reading payments needs `payments:read`. */
export const PAYMENTS_READ = 'payments:read';
/** Moving money needs `payments:write`. */
export const PAYMENTS_WRITE = 'payments:write';
/** Moving money without asking the user each time needs `payments:unattended` as well. */
export const PAYMENTS_UNATTENDED = 'payments:unattended';

/** Per-tool guard of the read tools. */
export const readAccess = <Args, Out>(): Middleware<'tools/call', Args, Out> => requireScopes(PAYMENTS_READ);

/** Per-tool guard of customer changes (no money moves). */
export const writeAccess = <Args, Out>(): Middleware<'tools/call', Args, Out> =>
  requireScopes(PAYMENTS_WRITE);

function describeAction(ctx: ToolCallContext): string {
  const args = ctx.args as { amount?: number; currency?: Currency; chargeId?: string; items?: unknown[] };
  const what = ctx.tool.title ?? ctx.name;
  if (Array.isArray(args.items)) return `${what}: ${args.items.length} refunds`;
  const money =
    args.amount !== undefined && args.currency !== undefined
      ? ` of ${formatAmount(args.amount, args.currency)}`
      : '';
  const charge = args.chargeId ? ` on ${args.chargeId}` : '';
  return `${what}${money}${charge}`;
}

/**
 * Guard of the money-moving tools: `payments:write`, then the user's confirmation through
 * elicitation (legacy: a request on the call's stream; modern: `input_required`) unless the caller
 * also holds `payments:unattended`. A decline is `FORBIDDEN` and nothing reaches the provider.
 */
export function moneyMovement<Args, Out>(tool: string): Middleware<'tools/call', Args, Out> {
  const scoped = requireScopes<'tools/call', Args, Out>(PAYMENTS_WRITE);
  const ask = consent<Args, Out>({
    tools: [tool],
    message: (ctx) => `Allow this payment operation? ${describeAction(ctx)}. Money will move.`,
  });
  return (ctx, next) =>
    scoped(
      ctx,
      () =>
        // What consent hands back is what next() gave it: the tool's own result.
        (ctx.auth?.scopes.includes(PAYMENTS_UNATTENDED) ? next() : ask(ctx, next)) as ReturnType<typeof next>,
    );
}
