import { createClient, type McpClient } from '@mcpkit/client';
import type { ToolSignature, ToolsOf } from '@mcpkit/core';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { describe, expectTypeOf, it } from 'vitest';
import { invoiceServer } from './fixtures.js';

const { server } = invoiceServer();
type Server = typeof server;

describe('createClient<typeof server>', () => {
  it('reads the tool map off the server type', () => {
    expectTypeOf<keyof ToolsOf<Server>>().toEqualTypeOf<'get_invoice' | 'charge' | 'ping_text' | 'slow'>();
    expectTypeOf<ToolsOf<Server>['get_invoice']['args']>().toEqualTypeOf<{
      id: string;
      currency?: 'EUR' | 'USD' | undefined;
    }>();
  });

  it('types arguments by the input schema and the result by the output schema', async () => {
    const client = await createClient<Server>('http://127.0.0.1:1/mcp');
    const invoice = await client.tools.get_invoice({ id: 'inv_1' });
    expectTypeOf(invoice).toEqualTypeOf<{ id: string; total: number; currency: string }>();
    expectTypeOf(await client.tools.charge({ amount: 1 })).toEqualTypeOf<{ charged: number }>();
    // A tool without an output schema resolves to the whole result; one without input takes no arguments.
    expectTypeOf(await client.tools.ping_text()).toEqualTypeOf<CallToolResult>();
  });

  it('infers the types from an in-process server without a type argument', async () => {
    const client = await createClient(server);
    expectTypeOf(client).toEqualTypeOf<McpClient<ToolsOf<Server>>>();
    expectTypeOf(await client.tools.get_invoice({ id: 'x', currency: 'USD' })).toHaveProperty('total');
  });

  it('rejects an unknown tool, wrong arguments and misuse of the output', async () => {
    const client = await createClient<Server>('http://127.0.0.1:1/mcp');
    // @ts-expect-error no tool of that name
    await client.tools.delete_invoice({ id: 'x' });
    // @ts-expect-error id must be a string
    await client.tools.get_invoice({ id: 42 });
    // @ts-expect-error id is required
    await client.tools.get_invoice({});
    // @ts-expect-error currency is an enum
    await client.tools.get_invoice({ id: 'x', currency: 'GBP' });
    // @ts-expect-error the tool takes arguments
    await client.tools.charge();
    const invoice = await client.tools.get_invoice({ id: 'x' });
    // @ts-expect-error total is a number
    invoice.total.toUpperCase();
    // @ts-expect-error the output has no such field
    invoice.customer;
  });

  it('accepts any name, untyped, without a server type', async () => {
    const client = await createClient('http://127.0.0.1:1/mcp');
    expectTypeOf(client.tools.anything).parameters.toEqualTypeOf<
      [args?: Record<string, unknown>, options?: import('@mcpkit/client').ToolCallOptions]
    >();
    // Index access may be undefined (noUncheckedIndexedAccess): untyped code calls callTool.
    expectTypeOf(await client.callTool('anything')).toEqualTypeOf<CallToolResult>();
  });

  it('takes a tool map written by hand for a server one does not own', async () => {
    type Search = { search: ToolSignature<{ q: string; limit?: number }, { hits: string[] }> };
    const client = await createClient<Search>('https://search.example.com/mcp');
    expectTypeOf(await client.tools.search({ q: 'mcp' })).toEqualTypeOf<{ hits: string[] }>();
    // @ts-expect-error q is required
    await client.tools.search({ limit: 3 });
  });
});
