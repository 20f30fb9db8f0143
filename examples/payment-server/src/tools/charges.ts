import { cache, invalidate } from '@mcpkit/cache';
import type { Plugin, ToolCallContext } from '@mcpkit/core';
import * as z from 'zod';
import type { PaymentDeps } from '../deps.js';
import { moneyMovement, readAccess } from '../guards.js';
import { operationKey } from '../provider.js';
import {
  type Charge,
  cardToken,
  chargeSchema,
  freeText,
  idempotencyKeyArg,
  idOf,
  metadataSchema,
  pageArgs,
  pageOf,
  providerList,
  withMoney,
} from '../schemas.js';
import { awaitsThreeDSecure, followThreeDSecure, threeDSecureFailed } from './three-d-secure.js';

const chargeId = idOf('chrg', 'charge');

/** A charge as the tools return it, with what to do next when it waits for the customer. */
export const chargeView = chargeSchema.extend({
  next_action: z.string().optional().describe('Present when the charge waits for something, e.g. 3-D Secure'),
});

/** Adds `next_action` to a charge still waiting for 3-D Secure or capture. */
export function viewOf(charge: Charge): z.output<typeof chargeView> {
  if (awaitsThreeDSecure(charge)) {
    return {
      ...charge,
      next_action:
        'The charge waits for 3-D Secure: send the customer to authorize_uri, then call get_charge until the status is no longer pending (a client with the Tasks extension gets a task that ends when the customer has finished).',
    };
  }
  if (charge.status === 'pending' && charge.authorized) {
    return {
      ...charge,
      next_action:
        'Authorized, not captured: call capture_charge to take the money, or reverse_charge to release it.',
    };
  }
  return charge;
}

/** Tags of what a change to charge `id` makes stale. */
export const chargeTags = (id: string) => [`charge:${id}`, 'charges', 'refunds'];

function recordMovement(
  ctx: ToolCallContext<unknown>,
  action: 'charge' | 'capture' | 'reverse',
  key: string,
  charge: Charge,
) {
  ctx.state.payment = {
    action,
    amount: charge.amount,
    currency: charge.currency,
    objectId: charge.id,
    idempotency: key,
  };
}

/** Charge tools: create_charge, get_charge, capture_charge, reverse_charge, list_charges. */
export function chargeTools(deps: PaymentDeps): Plugin {
  const { provider, pagination } = deps;
  return {
    name: 'payments:charges',
    install(server) {
      server
        .tool('create_charge', {
          title: 'Create charge',
          description:
            'Charges a card token or a customer. Amount in minor units of the currency (THB: satang, min 2000; JPY: yen, min 100). Pass idempotencyKey and reuse it when retrying. A charge that needs 3-D Secure runs as a task when the client supports tasks, ending when the customer has finished.',
          // A charge that waits for 3-D Secure becomes a task for a client that supports tasks; any
          // other charge, and any client without tasks, gets its answer on the request.
          taskSupport: 'optional',
          task: {
            detach: 'manual',
            pollIntervalMs: deps.threeDSecure.pollIntervalMs,
            // The wait, then an hour to fetch the result.
            ttlMs: deps.threeDSecure.waitMs + 3_600_000,
          },
          input: withMoney({
            card: cardToken
              .optional()
              .describe('Card token (tokn_…); omit to charge the customer’s default card'),
            customer: idOf('cust', 'customer').optional(),
            capture: z.boolean().default(true).describe('false: authorize only, capture later'),
            description: freeText(255).optional(),
            metadata: metadataSchema,
            idempotencyKey: idempotencyKeyArg,
          }),
          output: chargeView,
          annotations: { destructiveHint: true, idempotentHint: false, openWorldHint: true },
          use: [moneyMovement('create_charge')],
          handler: async ({ idempotencyKey, ...args }, ctx) => {
            const key = operationKey(ctx, idempotencyKey);
            const charge = await provider.call(ctx, {
              method: 'POST',
              path: '/charges',
              json: args,
              schema: chargeSchema,
              idempotencyKey: key,
            });
            recordMovement(ctx, 'charge', key, charge);
            await invalidate(ctx, ['charges']);
            if (!awaitsThreeDSecure(charge)) return viewOf(charge);
            // The customer has 3-D Secure to do: become a task if the client can follow one.
            await ctx.detach();
            if (ctx.taskId === undefined) return viewOf(charge);
            const settled = await followThreeDSecure(provider, ctx, charge, deps.threeDSecure);
            recordMovement(ctx, 'charge', key, settled);
            await invalidate(ctx, chargeTags(settled.id));
            if (settled.status === 'failed') throw threeDSecureFailed(settled);
            return viewOf(settled);
          },
        })
        .tool('get_charge', {
          title: 'Get charge',
          description: 'One charge by id: amount, status, refunded amount, 3-D Secure state.',
          input: z.strictObject({ chargeId }),
          output: chargeView,
          annotations: { readOnlyHint: true, openWorldHint: true },
          use: [readAccess(), cache({ ttlMs: deps.cacheTtlMs, tags: (args) => [`charge:${args.chargeId}`] })],
          handler: async ({ chargeId: id }, ctx) =>
            viewOf(await provider.call(ctx, { method: 'GET', path: `/charges/${id}`, schema: chargeSchema })),
        })
        .tool('capture_charge', {
          title: 'Capture charge',
          description: 'Captures an authorized charge (created with capture: false).',
          input: z.strictObject({ chargeId, idempotencyKey: idempotencyKeyArg }),
          output: chargeView,
          annotations: { destructiveHint: true, openWorldHint: true },
          use: [moneyMovement('capture_charge')],
          handler: async ({ chargeId: id, idempotencyKey }, ctx) => {
            const key = operationKey(ctx, idempotencyKey);
            const charge = await provider.call(ctx, {
              method: 'POST',
              path: `/charges/${id}/capture`,
              schema: chargeSchema,
              idempotencyKey: key,
            });
            recordMovement(ctx, 'capture', key, charge);
            await invalidate(ctx, chargeTags(id));
            return viewOf(charge);
          },
        })
        .tool('reverse_charge', {
          title: 'Reverse charge',
          description: 'Releases an authorized, uncaptured charge: the customer is not charged.',
          input: z.strictObject({ chargeId, idempotencyKey: idempotencyKeyArg }),
          output: chargeView,
          annotations: { destructiveHint: true, openWorldHint: true },
          use: [moneyMovement('reverse_charge')],
          handler: async ({ chargeId: id, idempotencyKey }, ctx) => {
            const key = operationKey(ctx, idempotencyKey);
            const charge = await provider.call(ctx, {
              method: 'POST',
              path: `/charges/${id}/reverse`,
              schema: chargeSchema,
              idempotencyKey: key,
            });
            recordMovement(ctx, 'reverse', key, charge);
            await invalidate(ctx, chargeTags(id));
            return viewOf(charge);
          },
        })
        .tool('list_charges', {
          title: 'List charges',
          description: 'All charges, oldest first, a page at a time: follow nextCursor.',
          input: z.strictObject(pageArgs),
          output: pageOf(chargeSchema),
          annotations: { readOnlyHint: true, openWorldHint: true },
          use: [readAccess(), cache({ ttlMs: deps.cacheTtlMs, tags: ['charges'] })],
          handler: ({ cursor, limit }, ctx) =>
            pagination.offsetPage({ cursor, limit }, { list: 'list_charges' }, async (offset, size) => {
              const page = await provider.call(ctx, {
                method: 'GET',
                path: '/charges',
                query: { offset, limit: size },
                schema: providerList(chargeSchema),
              });
              return { items: page.data, total: page.total };
            }),
        });
    },
  };
}
