import { McpkitError, type Middleware, type ToolCallContext } from '@mcpkit/core';
import { mockContext, runMiddleware, runToolHandler } from '@mcpkit/testing';
import { describe, expect, it } from 'vitest';

declare module '@mcpkit/core' {
  interface ContextState {
    /** Set by adminOnly for the layers inside it. */
    checkedBy: string;
  }
}

/** Refuses callers without the `admin` scope; tags the others' results. */
const adminOnly: Middleware<'tools/call'> = async (ctx, next) => {
  if (!ctx.auth?.scopes.includes('admin')) throw new McpkitError('FORBIDDEN', `${ctx.name} needs admin.`);
  ctx.state.checkedBy = 'adminOnly';
  const result = await next();
  return { ...result, content: [...result.content, { type: 'text', text: `as ${ctx.auth.subject}` }] };
};

/** Imports rows, reporting progress and logging, after asking the user to confirm. */
async function importRows(args: { rows: number }, ctx: ToolCallContext<{ rows: number }>) {
  const answer = await ctx.elicit({
    message: `Import ${args.rows} rows?`,
    requestedSchema: { type: 'object', properties: { confirm: { type: 'boolean' } } },
  });
  if (answer.action !== 'accept') return 'cancelled';
  for (let i = 1; i <= args.rows; i++) ctx.progress(i, args.rows);
  ctx.log('info', { message: 'imported', rows: args.rows }, 'importer');
  return `imported ${args.rows}`;
}

describe('runMiddleware', () => {
  it('runs a middleware against a hand-made context and a stub next', async () => {
    const run = await runMiddleware(adminOnly, {
      name: 'drop_table',
      auth: { subject: 'ada', scopes: ['admin'] },
      next: () => ({ content: [{ type: 'text', text: 'dropped' }] }),
    });
    expect(run.nextCalls).toBe(1);
    expect(run.result.content).toEqual([
      { type: 'text', text: 'dropped' },
      { type: 'text', text: 'as ada' },
    ]);
    expect(run.context.state).toMatchObject({ checkedBy: 'adminOnly' });
  });

  it('rejects with what the middleware threw, and shows it never called next', async () => {
    let called = 0;
    await expect(
      runMiddleware(adminOnly, {
        name: 'drop_table',
        next: () => {
          called++;
          return { content: [] };
        },
      }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN', message: 'drop_table needs admin.' });
    expect(called).toBe(0);
  });

  it('gives a default empty result per method, and lower-cases headers', async () => {
    const seen: string[] = [];
    const any: Middleware = async (ctx, next) => {
      seen.push(`${ctx.method} ${ctx.headers['x-tenant']}`);
      return next();
    };
    const list = await runMiddleware(any, { method: 'tools/list', headers: { 'X-Tenant': 'acme' } });
    expect(list.result).toEqual({ tools: [] });
    const read = await runMiddleware(any, { method: 'resources/read', name: 'config://app' });
    expect(read.result).toEqual({ contents: [] });
    expect(read.context).toMatchObject({ uri: 'config://app' });
    expect(seen).toEqual(['tools/list acme', 'resources/read undefined']);
  });
});

describe('runToolHandler', () => {
  it('records progress, logs and elicitation requests, answered by the function given', async () => {
    const run = await runToolHandler(
      importRows,
      { rows: 3 },
      {
        elicitation: () => ({ action: 'accept', content: { confirm: true } }),
      },
    );
    expect(run.value).toBe('imported 3');
    expect(run.context.recorded.elicitations).toEqual([
      {
        message: 'Import 3 rows?',
        requestedSchema: { type: 'object', properties: { confirm: { type: 'boolean' } } },
      },
    ]);
    expect(run.context.recorded.progress).toEqual([
      { progress: 1, total: 3 },
      { progress: 2, total: 3 },
      { progress: 3, total: 3 },
    ]);
    expect(run.context.recorded.logs).toEqual([
      { level: 'info', data: { message: 'imported', rows: 3 }, logger: 'importer' },
    ]);
  });

  it('refuses elicitation as a client without the capability would', async () => {
    await expect(runToolHandler(importRows, { rows: 1 })).rejects.toMatchObject({ rpcCode: -32021 });
  });

  it('answers requestInputs through the same functions', async () => {
    const ctx = mockContext('tools/call', {
      elicitation: () => ({ action: 'decline' }),
      roots: [{ uri: 'file:///work', name: 'work' }],
    });
    const answers = await ctx.requestInputs({
      confirm: {
        method: 'elicitation/create',
        params: { message: 'Sure?', requestedSchema: { type: 'object', properties: {} } },
      },
      roots: { method: 'roots/list' },
    });
    expect(answers).toEqual({
      confirm: { action: 'decline' },
      roots: { roots: [{ uri: 'file:///work', name: 'work' }] },
    });
    expect(ctx.recorded.elicitations).toHaveLength(1);
    expect(ctx.recorded.rootsRequests).toBe(1);
  });
});
