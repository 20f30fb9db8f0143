import { createCursorPagination, createServer, McpkitError } from '@mcpkit/core';
import { createTestClient, expectToolError } from '@mcpkit/testing';
import { describeEachClient } from '@mcpkit/testing/vitest';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';

const SECRET = 'cursor-test-secret-0123456789abcdef';
const rows = Array.from({ length: 237 }, (_, i) => ({
  id: `row_${i}`,
  colour: i % 3 === 0 ? 'red' : 'blue',
}));

function rowsServer(pagination = createCursorPagination({ secret: SECRET })) {
  return createServer({ name: 'rows', version: '1.0.0' })
    .tool('list_rows', {
      description: 'Rows, optionally of one colour, a page at a time',
      input: z.object({
        colour: z.enum(['red', 'blue']).optional(),
        cursor: z.string().optional(),
        limit: z.number().int().optional(),
      }),
      output: z.object({
        items: z.array(z.object({ id: z.string(), colour: z.string() })),
        nextCursor: z.string().optional(),
      }),
      handler: ({ colour, cursor, limit }) =>
        pagination.offsetPage(
          { cursor, limit },
          { list: 'list_rows', filter: { colour } },
          (offset, size) => {
            const filtered = rows.filter((r) => colour === undefined || r.colour === colour);
            return { items: filtered.slice(offset, offset + size), total: filtered.length };
          },
        ),
    })
    .tool('list_other', {
      description: 'Another list of the same rows',
      input: z.object({ cursor: z.string().optional() }),
      output: z.object({ items: z.array(z.object({ id: z.string() })), nextCursor: z.string().optional() }),
      handler: ({ cursor }) =>
        pagination.offsetPage({ cursor }, { list: 'list_other' }, (offset, size) => ({
          items: rows.slice(offset, offset + size),
          total: rows.length,
        })),
    });
}

type RowsPage = { items: Array<{ id: string }>; nextCursor?: string };

describeEachClient('cursor pagination', { server: rowsServer() }, (run) => {
  it('walks an offset/limit list through a real client, each item exactly once', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const result = await run.client.callTool('list_rows', { limit: 25, ...(cursor ? { cursor } : {}) });
      const page = result.structuredContent as RowsPage;
      seen.push(...page.items.map((r) => r.id));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(10);
    expect(seen).toEqual(rows.map((r) => r.id));
  });
});

describe('cursor pagination', () => {
  it('binds a cursor to its filter and list: reusing it elsewhere is VALIDATION_FAILED with a hint', async () => {
    const client = await createTestClient(rowsServer());
    const first = (await client.callTool('list_rows', { colour: 'red', limit: 10 }))
      .structuredContent as RowsPage;
    expect(first.nextCursor).toBeTypeOf('string');
    const otherFilter = expectToolError(
      await client.callTool('list_rows', { colour: 'blue', cursor: first.nextCursor }),
      'VALIDATION_FAILED',
    );
    expect(otherFilter.details).toMatchObject({ field: 'cursor', reason: 'foreign' });
    expect(otherFilter.hint).toMatch(/nextCursor/);
    const otherList = expectToolError(
      await client.callTool('list_other', { cursor: first.nextCursor }),
      'VALIDATION_FAILED',
    );
    expect(otherList.details).toMatchObject({ reason: 'foreign' });
    await client.close();
  });

  it('refuses tampered, truncated and other servers’ cursors', async () => {
    const client = await createTestClient(rowsServer());
    const page = (await client.callTool('list_rows', { limit: 10 })).structuredContent as RowsPage;
    const cursor = page.nextCursor as string;
    const [body, sig] = cursor.split('.') as [string, string];
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), o: 0 }),
    ).toString('base64url');
    const foreign = createCursorPagination({ secret: 'another-server-secret-0123456789' }).encode(
      { list: 'list_rows', filter: { colour: undefined } },
      { offset: 10 },
    );
    for (const bad of [`${forged}.${sig}`, cursor.slice(0, -3), 'not-a-cursor', foreign, `${cursor}.x`]) {
      const error = expectToolError(await client.callTool('list_rows', { cursor: bad }), 'VALIDATION_FAILED');
      expect(['bad_signature', 'malformed']).toContain((error.details as { reason: string }).reason);
    }
    await client.close();
  });

  it('expires cursors after ttlMs on the injected clock', () => {
    let now = 1_000;
    const pagination = createCursorPagination({ secret: SECRET, ttlMs: 60_000, now: () => now });
    const scope = { list: 'l', filter: { a: 1, b: [2, 3] } };
    const cursor = pagination.encode(scope, { offset: 40 });
    expect(pagination.decode(cursor, { list: 'l', filter: { b: [2, 3], a: 1 } })).toEqual({ offset: 40 });
    now += 60_001;
    expect(() => pagination.decode(cursor, scope)).toThrow(McpkitError);
    try {
      pagination.decode(cursor, scope);
    } catch (error) {
      expect((error as McpkitError).details).toMatchObject({ reason: 'expired' });
    }
  });

  it('maps cursors onto an upstream cursor scheme, and keeps the two kinds apart', async () => {
    const pagination = createCursorPagination({ secret: SECRET });
    const upstream = (after: string | undefined, limit: number) => {
      const start = after === undefined ? 0 : rows.findIndex((r) => r.id === after) + 1;
      const items = rows.slice(start, start + limit);
      return { items, next: start + limit < rows.length ? (items.at(-1)?.id ?? null) : null };
    };
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await pagination.upstreamCursorPage({ cursor, limit: 100 }, { list: 'rows' }, upstream);
      seen.push(...page.items.map((r) => r.id));
      cursor = page.nextCursor;
      if (cursor)
        await expect(() =>
          pagination.offsetPage({ cursor }, { list: 'rows' }, () => ({ items: [] })),
        ).rejects.toThrow();
    } while (cursor);
    expect(seen).toHaveLength(rows.length);
    expect(new Set(seen).size).toBe(rows.length);
  });

  it('checks page sizes and secrets', () => {
    const pagination = createCursorPagination({ secret: SECRET, maxPageSize: 50 });
    expect(pagination.pageSize({})).toBe(50);
    expect(() => pagination.pageSize({ limit: 51 })).toThrow(/1 to 50/);
    expect(() => pagination.pageSize({ limit: 0 })).toThrow(McpkitError);
    expect(() => createCursorPagination({ secret: 'short' })).toThrow(/16 bytes/);
  });
});
