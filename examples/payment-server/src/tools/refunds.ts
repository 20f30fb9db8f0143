import { cache, invalidate } from '@mcpkit/cache';
import type { Plugin, ToolCallContext } from '@mcpkit/core';
import * as z from 'zod';
import type { PaymentDeps } from '../deps.js';
import { moneyMovement, readAccess } from '../guards.js';
import { operationKey } from '../provider.js';
import {
  idempotencyKeyArg,
  idOf,
  metadataSchema,
  pageArgs,
  pageOf,
  providerList,
  type Refund,
  refundSchema,
} from '../schemas.js';
import { chargeTags } from './charges.js';

/** Refund arguments: a charge and an optional partial amount (minor units of the charge's currency). */
export const refundArgs = {
  chargeId: idOf('chrg', 'charge'),
  amount: z
    .number()
    .int()
    .positive()
    .optional()
    .describe('Minor units to refund; omit to refund what is left'),
  metadata: metadataSchema,
};

/** Refunds one charge; shared by create_refund and the batch refund_charges. */
export async function refundCharge(
  deps: PaymentDeps,
  ctx: ToolCallContext<unknown>,
  args: { chargeId: string; amount?: number | undefined; metadata?: Record<string, string> | undefined },
  key: string,
): Promise<Refund> {
  const json: Record<string, unknown> = {};
  if (args.amount !== undefined) json.amount = args.amount;
  if (args.metadata !== undefined) json.metadata = args.metadata;
  const refund = await deps.provider.call(ctx, {
    method: 'POST',
    path: `/charges/${args.chargeId}/refunds`,
    json,
    schema: refundSchema,
    idempotencyKey: key,
  });
  await invalidate(ctx, chargeTags(args.chargeId));
  return refund;
}

/** Refund tools: create_refund, list_refunds. */
export function refundTools(deps: PaymentDeps): Plugin {
  return {
    name: 'payments:refunds',
    install(server) {
      server
        .tool('create_refund', {
          title: 'Refund charge',
          description:
            'Refunds a successful charge in full or in part (amount in minor units of its currency).',
          input: z.strictObject({ ...refundArgs, idempotencyKey: idempotencyKeyArg }),
          output: refundSchema,
          annotations: { destructiveHint: true, openWorldHint: true },
          use: [moneyMovement('create_refund')],
          handler: async ({ idempotencyKey, ...args }, ctx) => {
            const key = operationKey(ctx, idempotencyKey, 'refund');
            const refund = await refundCharge(deps, ctx, args, key);
            ctx.state.payment = {
              action: 'refund',
              amount: refund.amount,
              currency: refund.currency,
              objectId: refund.id,
              chargeId: args.chargeId,
              idempotency: key,
            };
            return refund;
          },
        })
        .tool('list_refunds', {
          title: 'List refunds',
          description: 'Refunds of one charge, oldest first, a page at a time.',
          input: z.strictObject({ chargeId: refundArgs.chargeId, ...pageArgs }),
          output: pageOf(refundSchema),
          annotations: { readOnlyHint: true, openWorldHint: true },
          use: [
            readAccess(),
            cache({ ttlMs: deps.cacheTtlMs, tags: (args) => [`charge:${args.chargeId}`, 'refunds'] }),
          ],
          handler: ({ chargeId, cursor, limit }, ctx) =>
            deps.pagination.offsetPage(
              { cursor, limit },
              { list: 'list_refunds', filter: { chargeId } },
              async (offset, size) => {
                const page = await deps.provider.call(ctx, {
                  method: 'GET',
                  path: `/charges/${chargeId}/refunds`,
                  query: { offset, limit: size },
                  schema: providerList(refundSchema),
                });
                return { items: page.data, total: page.total };
              },
            ),
        });
    },
  };
}
