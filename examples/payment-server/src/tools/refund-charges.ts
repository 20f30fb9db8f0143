import { batchTool, type Plugin } from '@mcpkit/core';
import * as z from 'zod';
import type { PaymentDeps } from '../deps.js';
import { type MoneyMovement, moneyMovement } from '../guards.js';
import { operationKey } from '../provider.js';
import { refundSchema } from '../schemas.js';
import { refundArgs, refundCharge } from './refunds.js';

/** Options of {@link refundChargesTool}. */
export interface RefundChargesOptions {
  /** Most refunds in one call. Default: 50. */
  maxItems?: number;
  /** Most refunds in flight at once. Default: 5. */
  concurrency?: number;
}

/**
 * `refund_charges`: refunds up to `maxItems` charges in one call, `concurrency` at a time. Each
 * refund succeeds or fails on its own (per-item coded errors beside the refunds); the user
 * confirms the whole batch once.
 */
export function refundChargesTool(deps: PaymentDeps, options: RefundChargesOptions = {}): Plugin {
  return {
    name: 'payments:refund-charges',
    install(server) {
      server.tool(
        'refund_charges',
        batchTool({
          title: 'Refund charges',
          description:
            'Refunds several charges in one call; each refund succeeds or fails on its own. Give each item an idempotencyKey to retry safely the ones that failed retryably.',
          item: z.strictObject({
            ...refundArgs,
            idempotencyKey: z
              .string()
              .regex(/^[A-Za-z0-9_.:-]{8,128}$/)
              .optional(),
          }),
          value: refundSchema,
          maxItems: options.maxItems ?? 50,
          concurrency: options.concurrency ?? 5,
          annotations: { destructiveHint: true, openWorldHint: true },
          use: [moneyMovement('refund_charges')],
          run: async ({ idempotencyKey, ...item }, ctx) => {
            const key = operationKey(ctx, idempotencyKey, 'refund');
            const refund = await refundCharge(deps, ctx, item, key);
            const moved: MoneyMovement = {
              action: 'refund',
              amount: refund.amount,
              currency: refund.currency,
              objectId: refund.id,
              chargeId: item.chargeId,
              idempotency: key,
            };
            const state = ctx.state;
            state.payment = Array.isArray(state.payment) ? [...state.payment, moved] : [moved];
            return refund;
          },
        }),
      );
    },
  };
}
