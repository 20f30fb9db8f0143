import { createServer, type ServerOptions } from '@mcpkit/core';
import { createTestClient } from '@mcpkit/testing';
import { describeEachClient } from '@mcpkit/testing/vitest';
import { describe, expect, it } from 'vitest';

function bigServer(options: Partial<ServerOptions> = {}) {
  const server = createServer({ name: 'big', version: '1.0.0', ...options });
  for (let i = 0; i < 250; i++) {
    server.tool(`tool_${String(i).padStart(3, '0')}`, { description: `Tool ${i}`, handler: () => `${i}` });
  }
  for (let i = 0; i < 30; i++)
    server.resource(`test://doc/${i}`, { name: `doc_${i}`, read: () => `doc ${i}` });
  for (let i = 0; i < 12; i++)
    server.prompt(`prompt_${i}`, { description: `Prompt ${i}`, get: () => `p${i}` });
  return server;
}

const pages: Array<{ size: number; more: boolean }> = [];
const pagedServer = bigServer({ listPageSize: 100 }).use('tools/list', async (_ctx, next) => {
  const result = await next();
  pages.push({ size: result.tools.length, more: result.nextCursor !== undefined });
  return result;
});

describeEachClient('paging through the official client', { server: pagedServer }, (run) => {
  it('pages tools, resources and prompts, each item once', async () => {
    pages.length = 0;
    // The official client follows nextCursor itself and hands back the whole list.
    const { tools } = await run.client.client.listTools();
    expect(pages).toEqual([
      { size: 100, more: true },
      { size: 100, more: true },
      { size: 50, more: false },
    ]);
    expect(tools.map((t) => t.name)).toEqual(
      Array.from({ length: 250 }, (_, i) => `tool_${String(i).padStart(3, '0')}`),
    );
    expect((await run.client.client.listResources()).resources).toHaveLength(30);
    expect((await run.client.client.listPrompts()).prompts).toHaveLength(12);
  });
});

describe('paging of the list methods (listPageSize)', () => {
  it('answers every list in one page by default', async () => {
    const client = await createTestClient(bigServer());
    const listed = await client.listTools();
    expect(listed.tools).toHaveLength(250);
    expect(listed.nextCursor).toBeUndefined();
    await client.close();
  });

  it('refuses a cursor it did not issue, or one of another list, with -32602', async () => {
    let cursor: string | undefined;
    const server = bigServer({ listPageSize: 10 }).use('tools/list', async (_ctx, next) => {
      const result = await next();
      cursor ??= result.nextCursor;
      return result;
    });
    const client = await createTestClient(server);
    await client.listTools();
    expect(cursor).toBeTypeOf('string');
    const second = await client.client.listTools({ cursor: cursor as string });
    expect(second.tools.map((t) => t.name)[0]).toBe('tool_010');
    for (const bad of [
      'bogus',
      Buffer.from('abc.1').toString('base64url'),
      `${cursor}*`,
      Buffer.from(
        `${
          Buffer.from(cursor as string, 'base64url')
            .toString()
            .split('.')[0]
        }.99`,
      ).toString('base64url'),
    ]) {
      await expect(client.client.listTools({ cursor: bad })).rejects.toMatchObject({ code: -32602 });
    }
    // A tools cursor names a page of the tools list, not of the resources list.
    await expect(client.client.listResources({ cursor: cursor as string })).rejects.toMatchObject({
      code: -32602,
    });
    await client.close();
  });

  it('lets outer middleware see and filter one page', async () => {
    const seen: number[] = [];
    const server = bigServer({ listPageSize: 100 }).use('tools/list', async (_ctx, next) => {
      const result = await next();
      seen.push(result.tools.length);
      return { ...result, tools: result.tools.filter((t) => !t.name.endsWith('7')) };
    });
    const client = await createTestClient(server);
    const { tools } = await client.listTools();
    expect(seen).toEqual([100, 100, 50]);
    expect(tools).toHaveLength(225);
    await client.close();
  });

  it('rejects a page size that is not a whole number at build time', () => {
    expect(() => bigServer({ listPageSize: 0 }).build()).toThrow(/listPageSize/);
  });
});
