import { createServer, McpkitError } from '@mcpkit/core';
import {
  connectTaskRequester,
  modernTaskDispatch,
  serveForTest,
  TASKS_CAPABILITY,
  type TaskRequester,
  type TestServer,
} from '@mcpkit/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';

// connectTaskRequester() drives task-augmented calls through each era's official client over
// HTTP: results, status messages, questions, cancellation, immediate answers, and a bound.

let release: () => void = () => undefined;

const server = createServer({
  name: 'reports',
  version: '1.0.0',
  tasks: { ttlMs: 60_000, pollIntervalMs: 5 },
})
  .tool('generate_report', {
    description: 'Builds a report in two steps',
    input: z.object({ quarter: z.string() }),
    output: z.object({ quarter: z.string(), rows: z.number() }),
    taskSupport: 'required',
    handler: async ({ quarter }, ctx) => {
      ctx.progress(1, 2, 'step 1 of 2');
      await new Promise((resolve) => setTimeout(resolve, 20));
      return { quarter, rows: 42 };
    },
  })
  .tool('publish_report', {
    description: 'Asks for a channel, then publishes',
    taskSupport: 'required',
    handler: async (_args, ctx) => {
      const answer = (await ctx.elicit({
        message: 'Which channel?',
        requestedSchema: {
          type: 'object',
          properties: { channel: { type: 'string' } },
          required: ['channel'],
        },
      })) as { action: string; content?: { channel?: string } };
      return answer.action === 'accept' ? `published to ${answer.content?.channel}` : 'not published';
    },
  })
  .tool('wait_forever', {
    description: 'Runs until cancelled or released',
    taskSupport: 'required',
    handler: (_args, ctx) =>
      new Promise<string>((resolve, reject) => {
        release = () => resolve('released');
        ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
      }),
  })
  .tool('ping', { description: 'Answers at once', handler: () => 'pong' });

let served: TestServer;
const open: TaskRequester[] = [];

beforeAll(async () => {
  // A legacy client declares the extension once, at `initialize`: its session keeps it.
  served = await serveForTest(server, { sessions: true });
});
afterEach(async () => {
  release();
  await Promise.all(open.splice(0).map((requester) => requester.close()));
});
afterAll(() => served.close());

async function requester(era: 'modern' | 'legacy', options = {}) {
  const connected = await connectTaskRequester(era, served.url, options);
  open.push(connected);
  return connected;
}

describe.each(['modern', 'legacy'] as const)('connectTaskRequester (%s era)', (era) => {
  it('runs a tool as a task to its typed result, with the status messages it reported', async () => {
    const client = await requester(era);
    expect(client.era).toBe(era);
    const seen: string[] = [];
    let created: string | undefined;
    const run = await client.run(
      'generate_report',
      { quarter: '2026-Q3' },
      { onTask: (taskId) => (created = taskId), onStatus: (message) => seen.push(message) },
    );
    expect(run).toMatchObject({ status: 'completed', taskId: created });
    expect(run.result?.structuredContent).toEqual({ quarter: '2026-Q3', rows: 42 });
    expect(run.statusMessages).toEqual(seen);
    for (const message of seen) expect(message).toBe('step 1 of 2');
  });

  it('answers a question the task asks with the elicitation handler', async () => {
    const client = await requester(era, {
      elicitation: () => ({ action: 'accept' as const, content: { channel: '#finance' } }),
    });
    const run = await client.run('publish_report');
    expect(run).toMatchObject({
      status: 'completed',
      result: { content: [{ type: 'text', text: 'published to #finance' }] },
    });
  });

  it('starts a task, reads its status and cancels it', async () => {
    const client = await requester(era);
    const { taskId, settled } = await client.start('wait_forever');
    expect(taskId).toEqual(expect.any(String));
    expect(await client.statusMessage(taskId)).toBeUndefined();
    await client.cancel(taskId);
    expect((await settled).status).toBe('cancelled');
  });

  it('returns an answer the server gave without a task as immediate', async () => {
    const client = await requester(era);
    const run = await client.run('ping');
    expect(run).toMatchObject({ status: 'immediate', result: { content: [{ type: 'text', text: 'pong' }] } });
    await expect(client.start('ping')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});

describe('connectTaskRequester bounds', () => {
  it('gives up on a legacy task that does not end within maxPolls, with a coded error', async () => {
    const client = await requester('legacy', { maxPolls: 3, pollIntervalMs: 1 });
    const failure = await client.run('wait_forever').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(McpkitError);
    expect(failure).toMatchObject({ code: 'UPSTREAM_TIMEOUT', hint: expect.stringContaining('maxPolls') });
  });
});

describe('modernTaskDispatch', () => {
  it('sends one 2026-07-28 message and returns its result, or its JSON-RPC error', async () => {
    const dispatch = modernTaskDispatch(served.url);
    const _meta = {
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1.0.0' },
      'io.modelcontextprotocol/clientCapabilities': TASKS_CAPABILITY,
    };
    const created = await dispatch({
      method: 'tools/call',
      params: { name: 'generate_report', arguments: { quarter: 'Q1' }, _meta },
    });
    expect(created).toMatchObject({ kind: 'result', result: { taskId: expect.any(String) } });
    const unknown = await dispatch({ method: 'tasks/get', params: { taskId: 'no-such-task', _meta } });
    expect(unknown).toMatchObject({ kind: 'error', error: { error: { code: expect.any(Number) } } });
  });
});
