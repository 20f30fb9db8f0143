import { cache, invalidate } from '@mcpkit/cache';
import type { Plugin } from '@mcpkit/core';
import * as z from 'zod';
import type { PaymentDeps } from '../deps.js';
import { readAccess, writeAccess } from '../guards.js';
import { operationKey } from '../provider.js';
import {
  customerSchema,
  freeText,
  idempotencyKeyArg,
  idOf,
  metadataSchema,
  pageArgs,
  pageOf,
  providerList,
} from '../schemas.js';

const customerId = idOf('cust', 'customer');
const tagsOf = (id: string) => [`customer:${id}`, 'customers'];

/** Customer tools: create_customer, get_customer, update_customer, delete_customer, list_customers. */
export function customerTools(deps: PaymentDeps): Plugin {
  const { provider } = deps;
  return {
    name: 'payments:customers',
    install(server) {
      server
        .tool('create_customer', {
          title: 'Create customer',
          description: 'Creates a customer (email, description, metadata) that charges can be made to.',
          input: z.strictObject({
            email: z.email(),
            description: freeText(255).optional(),
            metadata: metadataSchema,
            idempotencyKey: idempotencyKeyArg,
          }),
          output: customerSchema,
          annotations: { openWorldHint: true },
          use: [writeAccess()],
          handler: async ({ idempotencyKey, ...args }, ctx) => {
            const customer = await provider.call(ctx, {
              method: 'POST',
              path: '/customers',
              json: args,
              schema: customerSchema,
              idempotencyKey: operationKey(ctx, idempotencyKey),
            });
            await invalidate(ctx, ['customers']);
            return customer;
          },
        })
        .tool('get_customer', {
          title: 'Get customer',
          description: 'One customer by id.',
          input: z.strictObject({ customerId }),
          output: customerSchema,
          annotations: { readOnlyHint: true, openWorldHint: true },
          use: [
            readAccess(),
            cache({ ttlMs: deps.cacheTtlMs, tags: (args) => [`customer:${args.customerId}`] }),
          ],
          handler: ({ customerId: id }, ctx) =>
            provider.call(ctx, { method: 'GET', path: `/customers/${id}`, schema: customerSchema }),
        })
        .tool('update_customer', {
          title: 'Update customer',
          description: 'Changes a customer’s email, description or metadata.',
          input: z.strictObject({
            customerId,
            email: z.email().optional(),
            description: freeText(255).optional(),
            metadata: metadataSchema,
          }),
          output: customerSchema,
          annotations: { idempotentHint: true, openWorldHint: true },
          use: [writeAccess()],
          handler: async ({ customerId: id, ...changes }, ctx) => {
            const customer = await provider.call(ctx, {
              method: 'PATCH',
              path: `/customers/${id}`,
              json: changes,
              schema: customerSchema,
              idempotencyKey: operationKey(ctx, undefined),
            });
            await invalidate(ctx, tagsOf(id));
            return customer;
          },
        })
        .tool('delete_customer', {
          title: 'Delete customer',
          description: 'Deletes a customer; its past charges stay.',
          input: z.strictObject({ customerId }),
          output: customerSchema.pick({ id: true, deleted: true }),
          annotations: { destructiveHint: true, idempotentHint: true, openWorldHint: true },
          use: [writeAccess()],
          handler: async ({ customerId: id }, ctx) => {
            const gone = await provider.call(ctx, {
              method: 'DELETE',
              path: `/customers/${id}`,
              schema: customerSchema.pick({ id: true, deleted: true }),
            });
            await invalidate(ctx, tagsOf(id));
            return gone;
          },
        })
        .tool('list_customers', {
          title: 'List customers',
          description: 'Customers, oldest first, a page at a time.',
          input: z.strictObject(pageArgs),
          output: pageOf(customerSchema),
          annotations: { readOnlyHint: true, openWorldHint: true },
          use: [readAccess(), cache({ ttlMs: deps.cacheTtlMs, tags: ['customers'] })],
          handler: ({ cursor, limit }, ctx) =>
            deps.pagination.offsetPage(
              { cursor, limit },
              { list: 'list_customers' },
              async (offset, size) => {
                const page = await provider.call(ctx, {
                  method: 'GET',
                  path: '/customers',
                  query: { offset, limit: size },
                  schema: providerList(customerSchema),
                });
                return { items: page.data, total: page.total };
              },
            ),
        });
    },
  };
}
