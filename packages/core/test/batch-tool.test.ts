import { batchTool, createServer, McpkitError } from '@mcpkit/core';
import { type CapturedProgress, createTestClient } from '@mcpkit/testing';
import { describeEachClient, mcpkitMatchers } from '@mcpkit/testing/vitest';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';

expect.extend(mcpkitMatchers);

function doublerServer(bound: { now: number; max: number }, concurrency = 3) {
  return createServer({ name: 'batch', version: '1.0.0' }).tool(
    'double_all',
    batchTool({
      description: 'Doubles each number; odd multiples of 7 fail',
      item: z.object({ n: z.number().int() }),
      value: z.object({ doubled: z.number() }),
      maxItems: 20,
      concurrency,
      run: async ({ n }) => {
        bound.now += 1;
        bound.max = Math.max(bound.max, bound.now);
        try {
          await new Promise((resolve) => setTimeout(resolve, n % 3));
          if (n % 7 === 0 && n % 2 === 1)
            throw new McpkitError('CONFLICT', `No doubling ${n}.`, { hint: 'Pick another' });
          if (n === 98) throw new Error('secret internals');
          return { doubled: n * 2 };
        } finally {
          bound.now -= 1;
        }
      },
    }),
  );
}

type Batch = {
  total: number;
  succeeded: number;
  failed: number;
  results: Array<{
    index: number;
    ok: boolean;
    value?: { doubled: number };
    error?: { code: string; message: string };
  }>;
};

const sharedBound = { now: 0, max: 0 };

// One server, called in each era over each transport (in process, HTTP) in turn.
describeEachClient('batchTool', { server: doublerServer(sharedBound) }, (run) => {
  it('returns successes and coded errors side by side, one progress per item, under the bound', async () => {
    sharedBound.max = 0;
    const items = [1, 2, 7, 8, 21, 98, 5, 4, 35, 6].map((n) => ({ n }));
    const progress: CapturedProgress[] = [];
    const result = await run.client.callTool(
      'double_all',
      { items },
      { onProgress: (p) => progress.push(p) },
    );
    expect(result.isError).toBeFalsy();
    const batch = result.structuredContent as Batch;
    expect(batch).toMatchObject({ total: 10, succeeded: 6, failed: 4 });
    expect(batch.results.map((r) => r.index)).toEqual([...items.keys()]);
    expect(batch.results[1]).toEqual({ index: 1, ok: true, value: { doubled: 4 } });
    expect(batch.results[2]?.error).toMatchObject({ code: 'CONFLICT', message: 'No doubling 7.' });
    expect(batch.results[5]?.error).toMatchObject({ code: 'INTERNAL' });
    expect(JSON.stringify(batch)).not.toContain('secret internals');
    expect(progress).toHaveLength(10);
    expect(progress.map((p) => p.progress)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(progress.every((p) => p.total === 10)).toBe(true);
    expect(sharedBound.max).toBe(3);
  });
});

describe('batchTool', () => {
  it('refuses an empty or oversized list before any item runs', async () => {
    const bound = { now: 0, max: 0 };
    const client = await createTestClient(doublerServer(bound));
    expect(await client.callTool('double_all', { items: [] })).toBeToolError('VALIDATION_FAILED');
    const many = Array.from({ length: 21 }, (_, n) => ({ n }));
    expect(await client.callTool('double_all', { items: many })).toBeToolError('VALIDATION_FAILED');
    expect(bound.max).toBe(0);
    const listed = await client.listTools();
    const tool = listed.tools.find((t) => t.name === 'double_all');
    expect(tool?.inputSchema.properties).toHaveProperty('items');
    expect(tool?.outputSchema?.properties).toHaveProperty('results');
    await client.close();
  });

  it('runs per-call middleware once around all items', async () => {
    let calls = 0;
    const server = createServer({ name: 'batch', version: '1.0.0' }).tool(
      'noop_all',
      batchTool({
        description: 'Does nothing per item',
        item: z.string(),
        use: [
          async (_ctx, next) => {
            calls += 1;
            return next();
          },
        ],
        run: (item) => item.length,
      }),
    );
    const client = await createTestClient(server);
    const result = await client.callTool('noop_all', { items: ['a', 'bb', 'ccc'] });
    expect((result.structuredContent as Batch).results.map((r) => r.value)).toEqual([1, 2, 3]);
    expect(calls).toBe(1);
    await client.close();
  });

  it('rejects bad options at definition time', () => {
    expect(() => batchTool({ description: 'x', item: z.string(), concurrency: 0, run: () => 1 })).toThrow(
      McpkitError,
    );
  });
});
