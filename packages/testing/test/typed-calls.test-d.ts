import { createServer, type McpkitServer, type ToolSignature } from '@mcpkit/core';
import {
  clientMatrix,
  connectTestClient,
  createTestClient,
  type TestClient,
  type TypedCallToolResult,
} from '@mcpkit/testing';
import { describeEachClient } from '@mcpkit/testing/vitest';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { describe, expectTypeOf, it } from 'vitest';
import * as z from 'zod';

const builder = createServer({ name: 'invoices', version: '1.0.0' })
  .tool('get_invoice', {
    description: 'Fetches an invoice',
    input: z.object({ id: z.string(), currency: z.enum(['EUR', 'USD']).optional() }),
    output: z.object({ id: z.string(), total: z.number() }),
    handler: ({ id }) => ({ id, total: 42 }),
  })
  .tool('void_invoice', {
    description: 'Voids an invoice',
    input: z.object({ id: z.string(), reason: z.string() }),
    handler: ({ id }) => `voided ${id}`,
  })
  .tool('ping', { description: 'Answers pong', handler: () => 'pong' });
const server = builder.build();

describe('createTestClient(server): calls typed by the server', () => {
  it('types the name, the arguments and structuredContent', async () => {
    const client = await createTestClient(builder);
    const result = await client.callTool('get_invoice', { id: 'inv_1' });
    expectTypeOf(result.structuredContent).toExtend<{ id: string; total: number } | undefined>();
    expectTypeOf(result.structuredContent?.total).toEqualTypeOf<number | undefined>();
    expectTypeOf(result).toExtend<CallToolResult>();
    // A tool without an output schema resolves to the plain result; one without input takes no arguments.
    expectTypeOf(
      await client.callTool('void_invoice', { id: 'x', reason: 'dup' }),
    ).toEqualTypeOf<CallToolResult>();
    expectTypeOf(await client.callTool('ping')).toEqualTypeOf<CallToolResult>();
    expectTypeOf(
      await client.callTool('get_invoice', { id: 'x', currency: 'USD' }, { timeoutMs: 5 }),
    ).toEqualTypeOf<TypedCallToolResult<{ id: string; total: number }>>();
  });

  it('reads the same types off the built server', async () => {
    const fromBuilder = await createTestClient(builder);
    const fromServer = await createTestClient(server);
    expectTypeOf(fromServer).toEqualTypeOf(fromBuilder);
  });

  it('rejects a wrong name, wrong arguments and misuse of the output', async () => {
    const client = await createTestClient(server);
    // @ts-expect-error no tool of that name
    await client.callTool('delete_invoice', { id: 'x' });
    // @ts-expect-error id must be a string
    await client.callTool('get_invoice', { id: 42 });
    // @ts-expect-error id is required
    await client.callTool('get_invoice', {});
    // @ts-expect-error the tool takes arguments
    await client.callTool('get_invoice');
    // @ts-expect-error currency is an enum
    await client.callTool('get_invoice', { id: 'x', currency: 'GBP' });
    // @ts-expect-error reason is required
    await client.callTool('void_invoice', { id: 'x' });
    const result = await client.callTool('get_invoice', { id: 'x' });
    // @ts-expect-error structuredContent is absent on an error result: check it first
    result.structuredContent.total;
    // @ts-expect-error total is a number
    result.structuredContent?.total.toUpperCase();
    // @ts-expect-error the output has no such field
    result.structuredContent?.customer.name;
  });

  it('keeps an unchecked call for tests that send what the types forbid', async () => {
    const client = await createTestClient(server);
    expectTypeOf(await client.callToolUnchecked('get_invoice', { id: 42 })).toEqualTypeOf<CallToolResult>();
    expectTypeOf(await client.callToolUnchecked('no_such_tool')).toEqualTypeOf<CallToolResult>();
  });
});

describe('untyped and hand-typed clients', () => {
  it('accepts any name from a URL without a type argument, or from a server typed without tools', async () => {
    const overHttp = await connectTestClient('http://127.0.0.1:1/mcp');
    expectTypeOf(overHttp).toEqualTypeOf<TestClient>();
    expectTypeOf(await overHttp.callTool('anything', { x: 1 })).toEqualTypeOf<CallToolResult>();
    const plain: McpkitServer = server;
    expectTypeOf(await createTestClient(plain)).toEqualTypeOf<TestClient>();
  });

  it('types a URL client by `typeof server` or a hand-written tool map', async () => {
    const typed = await connectTestClient<typeof server>('http://127.0.0.1:1/mcp');
    expectTypeOf(typed).toEqualTypeOf(await createTestClient(server));
    type Search = { search: ToolSignature<{ q: string; limit?: number }, { hits: string[] }> };
    const search = await connectTestClient<Search>('http://127.0.0.1:1/mcp');
    expectTypeOf((await search.callTool('search', { q: 'mcp' })).structuredContent?.hits).toEqualTypeOf<
      string[] | undefined
    >();
    // @ts-expect-error q is required
    await search.callTool('search', { limit: 3 });
  });
});

describe('clientMatrix / describeEachClient carry the server type', () => {
  it('types every run client', async () => {
    const [run] = clientMatrix({ server });
    const client = await run!.connect();
    expectTypeOf(client).toEqualTypeOf(await createTestClient(server));
    describeEachClient('invoices', { server: builder }, (ctx) => {
      expectTypeOf(ctx.client).toEqualTypeOf(client);
      // @ts-expect-error no tool of that name
      void ctx.client.callTool('nope');
    });
  });
});
