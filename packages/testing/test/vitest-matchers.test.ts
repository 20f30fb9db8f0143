import { createServer, McpkitError } from '@mcpkit/core';
import { type CapturedProgress, createTestClient, type TestClient } from '@mcpkit/testing';
import { mcpkitMatchers } from '@mcpkit/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';

expect.extend(mcpkitMatchers);

const server = createServer({ name: 'matchers', version: '1.0.0' })
  .tool('get_invoice', {
    description: 'An invoice, or NOT_FOUND',
    input: z.object({ id: z.string() }),
    output: z.object({ id: z.string(), total: z.number() }),
    handler: ({ id }) => {
      if (id !== 'inv_1') throw new McpkitError('NOT_FOUND', `No invoice ${id}.`);
      return { id, total: 42 };
    },
  })
  .tool('export', {
    description: 'Reports three steps of progress and logs',
    handler: (_args, ctx) => {
      for (let step = 1; step <= 3; step++) ctx.progress(step, 3, `step ${step}`);
      ctx.log('info', { message: 'export finished', rows: 3 }, 'exporter');
      ctx.log('warning', 'disk almost full');
      return 'done';
    },
  });

let client: TestClient;
beforeAll(async () => {
  client = await createTestClient(server, { era: 'legacy', logLevel: 'debug' });
});
afterAll(() => client.close());

describe('toBeToolError', () => {
  it('passes on a coded failure, with or without the code', async () => {
    const result = await client.callTool('get_invoice', { id: 'inv_9' });
    expect(result).toBeToolError('NOT_FOUND');
    expect(result).toBeToolError();
    expect(result).not.toBeToolError('FORBIDDEN');
  });

  it('fails with what it got instead', async () => {
    const ok = await client.callTool('get_invoice', { id: 'inv_1' });
    const failed = await client.callTool('get_invoice', { id: 'inv_9' });
    expect(() => expect(ok).toBeToolError('NOT_FOUND')).toThrow(
      /Expected a tool error with code NOT_FOUND, got a success/,
    );
    expect(() => expect(failed).toBeToolError('FORBIDDEN')).toThrow(/got NOT_FOUND/);
    expect(() => expect(failed).not.toBeToolError()).toThrow(/not to be a coded tool error/);
  });
});

describe('toHaveStructuredContent', () => {
  it('passes when the schema accepts the structured content', async () => {
    const result = await client.callTool('get_invoice', { id: 'inv_1' });
    expect(result).toHaveStructuredContent(
      z.object({ id: z.literal('inv_1'), total: z.number().positive() }),
    );
  });

  it('fails with the schema issues by path, and on a tool error', async () => {
    const result = await client.callTool('get_invoice', { id: 'inv_1' });
    expect(() => expect(result).toHaveStructuredContent(z.object({ total: z.string() }))).toThrow(/total: /);
    const failed = await client.callTool('get_invoice', { id: 'inv_9' });
    expect(() => expect(failed).toHaveStructuredContent(z.object({}))).toThrow(/got a tool error/);
  });
});

describe('toHaveProgressCount and toHaveLogged', () => {
  it('counts the progress notifications and finds log messages by text, pattern or fields', async () => {
    const progress: CapturedProgress[] = [];
    await client.callTool('export', {}, { onProgress: (p) => progress.push(p) });
    expect(progress).toHaveProgressCount(3);
    expect(() => expect(progress).toHaveProgressCount(2)).toThrow(/Expected 2 progress notifications, got 3/);
    expect(client).toHaveLogged('export finished');
    expect(client).toHaveLogged(/disk almost/);
    expect(client.logs).toHaveLogged({
      level: 'info',
      logger: 'exporter',
      data: expect.objectContaining({ rows: 3 }),
    });
    expect(client).not.toHaveLogged({ level: 'error' });
    expect(() => expect(client).toHaveLogged('never said')).toThrow(
      /received 2:\n {2}\[info\] exporter export finished/,
    );
  });
});
