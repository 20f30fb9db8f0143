import { createServer, McpkitError, silentLogger } from '@mcpkit/core';
import * as z from 'zod';

/** The invoices server the client tests call: typed tools, a coded error, progress, elicitation. */
export function invoiceServer() {
  const calls = { charge: 0, get_invoice: 0, slowCancelled: false };
  const server = createServer({ name: 'invoices', version: '1.0.0', logger: silentLogger })
    .tool('get_invoice', {
      description: 'Reads an invoice',
      input: z.object({ id: z.string(), currency: z.enum(['EUR', 'USD']).default('EUR') }),
      output: z.object({ id: z.string(), total: z.number(), currency: z.string() }),
      annotations: { readOnlyHint: true },
      handler: ({ id, currency }) => {
        calls.get_invoice++;
        if (id === 'missing') {
          throw new McpkitError('NOT_FOUND', `Invoice ${id} does not exist.`, {
            hint: 'List invoices first.',
          });
        }
        return { id, total: 42.5, currency };
      },
    })
    .tool('charge', {
      description: 'Charges a card (not idempotent)',
      input: { amount: z.number() },
      output: { charged: z.number() },
      handler: ({ amount }) => {
        calls.charge++;
        if (amount > 0) {
          throw new McpkitError('UPSTREAM_UNAVAILABLE', 'The card network is down.', { retryAfterMs: 1 });
        }
        return { charged: amount };
      },
    })
    .tool('ping_text', {
      description: 'Answers with text only',
      handler: () => 'pong',
    })
    .tool('slow', {
      description: 'Reports progress, then waits for cancellation',
      input: { steps: z.number().int() },
      handler: async ({ steps }, ctx) => {
        for (let i = 1; i <= steps; i++) ctx.progress(i, steps, `step ${i}`);
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
        calls.slowCancelled = true;
        return 'cancelled';
      },
    });
  return { server, calls };
}
