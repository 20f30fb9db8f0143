import { cache, invalidate } from '@mcpkit/cache';
import type { Plugin } from '@mcpkit/core';
import * as z from 'zod';
import { amountProblem } from '../currencies.js';
import type { PaymentDeps } from '../deps.js';
import { moneyMovement, readAccess } from '../guards.js';
import { operationKey } from '../provider.js';
import { idempotencyKeyArg, idOf, pageArgs, pageOf, providerList, transferSchema } from '../schemas.js';

/** Transfer tools: create_transfer (payouts to a recipient, in THB), list_transfers. */
export function transferTools(deps: PaymentDeps): Plugin {
  return {
    name: 'payments:transfers',
    install(server) {
      server
        .tool('create_transfer', {
          title: 'Create transfer',
          description:
            'Pays out from the account balance to a recipient, in THB satang (min 2000 = 20.00 THB).',
          input: z
            .strictObject({
              amount: z.number().int().positive().describe('Satang (THB minor units)'),
              recipient: idOf('recp', 'recipient')
                .optional()
                .describe('Recipient id; default: the account’s default recipient'),
              idempotencyKey: idempotencyKeyArg,
            })
            .superRefine((value, issues) => {
              const problem = amountProblem(value.amount, 'thb');
              if (problem)
                issues.addIssue({ code: 'custom', path: ['amount'], message: `amount ${problem} for THB` });
            }),
          output: transferSchema,
          annotations: { destructiveHint: true, openWorldHint: true },
          use: [moneyMovement('create_transfer')],
          handler: async ({ idempotencyKey, ...args }, ctx) => {
            const key = operationKey(ctx, idempotencyKey);
            const transfer = await deps.provider.call(ctx, {
              method: 'POST',
              path: '/transfers',
              json: args,
              schema: transferSchema,
              idempotencyKey: key,
            });
            ctx.state.payment = {
              action: 'transfer',
              amount: transfer.amount,
              currency: transfer.currency,
              objectId: transfer.id,
              idempotency: key,
            };
            await invalidate(ctx, ['transfers']);
            return transfer;
          },
        })
        .tool('list_transfers', {
          title: 'List transfers',
          description: 'Transfers, oldest first, a page at a time.',
          input: z.strictObject(pageArgs),
          output: pageOf(transferSchema),
          annotations: { readOnlyHint: true, openWorldHint: true },
          use: [readAccess(), cache({ ttlMs: deps.cacheTtlMs, tags: ['transfers'] })],
          handler: ({ cursor, limit }, ctx) =>
            deps.pagination.offsetPage(
              { cursor, limit },
              { list: 'list_transfers' },
              async (offset, size) => {
                const page = await deps.provider.call(ctx, {
                  method: 'GET',
                  path: '/transfers',
                  query: { offset, limit: size },
                  schema: providerList(transferSchema),
                });
                return { items: page.data, total: page.total };
              },
            ),
        });
    },
  };
}
