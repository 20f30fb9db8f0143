import { createServer, McpkitError } from '@mcpkit/core';
import { createTestClient, expectToolError, resultText } from '@mcpkit/testing';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';

const eras = ['modern', 'legacy'] as const;

describe.each(eras)('builder tools (%s era)', (era) => {
  const app = createServer({ name: 'builder-test', version: '1.0.0' })
    .tool('add', {
      description: 'Adds two numbers',
      input: z.object({ a: z.number(), b: z.number() }),
      output: z.object({ sum: z.number() }),
      annotations: { readOnlyHint: true },
      handler: ({ a, b }) => ({ sum: a + b }),
    })
    .tool('fail', {
      description: 'Fails with a coded error',
      handler: () => {
        throw new McpkitError('NOT_FOUND', 'No such invoice', { hint: 'List invoices first.' });
      },
    });

  it('lists tools with JSON Schema 2020-12 input and output schemas', async () => {
    const client = await createTestClient(app, { era });
    const { tools } = await client.listTools();
    const add = tools.find((t) => t.name === 'add');
    expect(add?.inputSchema).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: { a: { type: 'number' }, b: { type: 'number' } },
      required: ['a', 'b'],
    });
    expect(add?.outputSchema).toMatchObject({ type: 'object', properties: { sum: { type: 'number' } } });
    expect(add?.annotations).toEqual({ readOnlyHint: true });
    await client.close();
  });

  it('returns structured content and a text rendering for tools with an output schema', async () => {
    const client = await createTestClient(app, { era });
    const result = await client.callTool('add', { a: 2, b: 3 });
    expect(result.structuredContent).toEqual({ sum: 5 });
    expect(JSON.parse(resultText(result))).toEqual({ sum: 5 });
    await client.close();
  });

  it('turns a thrown McpkitError into a coded isError result', async () => {
    const client = await createTestClient(app, { era });
    const error = expectToolError(await client.callTool('fail'), 'NOT_FOUND');
    expect(error).toMatchObject({
      message: 'No such invoice',
      hint: 'List invoices first.',
      retryable: false,
    });
    expect(error.requestId).toMatch(/.+/);
    await client.close();
  });
});
