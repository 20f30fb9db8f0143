import { cache } from '@mcpkit/cache';
import type { Plugin } from '@mcpkit/core';
import * as z from 'zod';
import { CURRENCY_CODES } from '../currencies.js';
import type { PaymentDeps } from '../deps.js';
import { readAccess } from '../guards.js';
import { chargeSchema, idOf, pageArgs, pageOf, providerList } from '../schemas.js';

/** `search_charges`: charges filtered by status, currency or customer, paginated with signed cursors. */
export function searchChargesTool(deps: PaymentDeps): Plugin {
  return {
    name: 'payments:search-charges',
    install(server) {
      server.tool('search_charges', {
        title: 'Search charges',
        description:
          'Charges matching every filter given (status, currency, customer), oldest first, a page at a time. A cursor only works with the filters it was issued for.',
        input: z.strictObject({
          status: z.enum(['successful', 'pending', 'failed', 'reversed', 'refunded']).optional(),
          currency: z.enum(CURRENCY_CODES).optional(),
          customer: idOf('cust', 'customer').optional(),
          ...pageArgs,
        }),
        output: pageOf(chargeSchema),
        annotations: { readOnlyHint: true, openWorldHint: true },
        use: [readAccess(), cache({ ttlMs: deps.cacheTtlMs, tags: ['charges'] })],
        handler: ({ cursor, limit, ...filter }, ctx) =>
          deps.pagination.offsetPage(
            { cursor, limit },
            { list: 'search_charges', filter },
            async (offset, size) => {
              const query: Record<string, string | number> = { scope: 'charge', offset, limit: size };
              for (const [name, value] of Object.entries(filter))
                if (value !== undefined) query[`filters[${name}]`] = value;
              const page = await deps.provider.call(ctx, {
                method: 'GET',
                path: '/search',
                query,
                schema: providerList(chargeSchema),
              });
              return { items: page.data, total: page.total };
            },
          ),
      });
    },
  };
}
