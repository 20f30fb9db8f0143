import { createServer } from '@mcpkit/core';
import { createTestClient, expectToolError } from '@mcpkit/testing';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';

// The types are proven in typed-calls.test-d.ts; this checks the typed and unchecked calls at run time.
const server = createServer({ name: 'invoices', version: '1.0.0' })
  .tool('get_invoice', {
    description: 'Fetches an invoice',
    input: z.object({ id: z.string() }),
    output: z.object({ id: z.string(), total: z.number() }),
    handler: ({ id }) => ({ id, total: 42 }),
  })
  .build();

describe('typed calls', () => {
  it.each(['modern', 'legacy'] as const)('returns the typed structured output (%s)', async (era) => {
    const client = await createTestClient(server, { era });
    const result = await client.callTool('get_invoice', { id: 'inv_1' });
    const total: number | undefined = result.structuredContent?.total;
    expect(total).toBe(42);
    await client.close();
  });

  it('sends what the types forbid through callToolUnchecked and gets the server’s answer', async () => {
    const client = await createTestClient(server);
    expectToolError(await client.callToolUnchecked('get_invoice', { id: 7 }), 'VALIDATION_FAILED');
    await client.close();
  });
});
