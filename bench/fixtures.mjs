// The tools every benchmarked server serves, defined once so each server does the same work.
import * as z from 'zod';

/** Workload (a): a trivial tool. */
export const addInput = z.object({ a: z.number(), b: z.number() });
export const add = ({ a, b }) => String(a + b);

/** Workload (b): a realistic tool with nested input (object, arrays, enums) and structured output. */
export const orderInput = z.object({
  customer: z.object({
    id: z.string().min(1),
    email: z.string().email(),
    tier: z.enum(['free', 'pro', 'enterprise']),
  }),
  items: z
    .array(
      z.object({
        sku: z.string().min(1),
        quantity: z.number().int().positive(),
        unitPrice: z.number().nonnegative(),
        tags: z.array(z.enum(['gift', 'fragile', 'bulk'])).optional(),
      }),
    )
    .min(1),
  currency: z.enum(['USD', 'EUR', 'GBP']),
  note: z.string().max(500).optional(),
});
export const orderOutput = z.object({
  orderId: z.string(),
  itemCount: z.number().int(),
  total: z.number(),
  currency: z.enum(['USD', 'EUR', 'GBP']),
  status: z.enum(['accepted', 'review']),
});
export function createOrder(input) {
  const total = input.items.reduce((sum, item) => sum + item.quantity * item.unitPrice, 0);
  return {
    orderId: `ord_${input.customer.id}_${input.items.length}`,
    itemCount: input.items.reduce((n, item) => n + item.quantity, 0),
    total: Math.round(total * 100) / 100,
    currency: input.currency,
    status: input.customer.tier === 'free' && total > 1000 ? 'review' : 'accepted',
  };
}

/**
 * Workload (c): 47 more tools, so tools/list returns 50. `BENCH_TOOLS` in the environment sets the
 * total instead (at least the 3 workload tools): the tool-count scaling bench serves up to 5,000.
 */
export const TOOL_COUNT = Math.max(3, Number(process.env.BENCH_TOOLS ?? 50));
export const fillerInput = z.object({
  query: z.string().describe('What to look for'),
  limit: z.number().int().min(1).max(100).optional().describe('Most results to return'),
  sort: z.enum(['relevance', 'recent']).optional(),
});
export const FILLER_TOOLS = Array.from({ length: TOOL_COUNT - 3 }, (_, i) => ({
  name: `search_collection_${String(i).padStart(2, '0')}`,
  description: `Searches collection number ${i} and returns matching records`,
}));
export const filler = ({ query }) => `no results for ${query}`;

/** Workload (d): a tool that reports progress three times before answering. */
export const PROGRESS_STEPS = 3;

/** Ports and readiness: every server prints READY once listening. */
export const port = Number(process.env.PORT ?? 0);

/** The API key the production-preset server accepts (sent by the load generator to every server). */
export const BENCH_API_KEY = 'bench-key-0123456789';
