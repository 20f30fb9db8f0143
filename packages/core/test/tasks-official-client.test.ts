import { createServer, type Era, TASKS_EXTENSION } from '@mcpkit/core';
import {
  connectTaskRequester,
  mockUpstream,
  modernTaskDispatch,
  serveForTest,
  type TaskRequester,
} from '@mcpkit/testing';
import { CreateTaskResultV2Schema, GetTaskResultV2Schema } from '@modelcontextprotocol/ext-tasks/core/v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';

// Tasks driven by the official clients over real HTTP, in both eras (`connectTaskRequester`).
// - Modern (2026-07-28): the official Tasks requester (@modelcontextprotocol/ext-tasks) on the
//   official SDK v2 client. It polls, answers input requests and cancels by itself; the SDK client
//   cannot carry task results, so the requester sends tools/call and tasks/* through `rawDispatch`,
//   as its README prescribes for a 2026-07-28 Tasks server.
// - Legacy (2025-11-25 session): the official SDK v2 client declaring the extension at
//   `initialize`, speaking SEP-2663 as the conformance suite does in that era, every answer checked
//   against the extension's published wire schemas. (The requester itself speaks the older
//   2025-11-25 built-in tasks in this era; the extension replaces them, and the conformance suite
//   forbids advertising their `capabilities.tasks` slot.)

const DECLARED = { extensions: { [TASKS_EXTENSION]: {} }, elicitation: {} };

const upstream = await mockUpstream();
const handlerSignals: { aborted: number; reason?: unknown } = { aborted: 0 };

const server = createServer({
  name: 'reports',
  version: '1.0.0',
  tasks: { ttlMs: 60_000, pollIntervalMs: 20 },
})
  .tool('generate_report', {
    description: 'Builds a report for a quarter (takes a while)',
    input: z.object({ quarter: z.string() }),
    output: z.object({ quarter: z.string(), rows: z.number() }),
    taskSupport: 'required',
    handler: async ({ quarter }, ctx) => {
      await new Promise((resolve) => setTimeout(resolve, 60));
      return { quarter, rows: ctx.taskId === undefined ? 0 : 42 };
    },
  })
  .tool('publish_report', {
    description: 'Asks for confirmation, then publishes',
    input: z.object({ quarter: z.string() }),
    taskSupport: 'required',
    handler: async ({ quarter }, ctx) => {
      const answer = (await ctx.elicit({
        message: `Publish the ${quarter} report?`,
        requestedSchema: {
          type: 'object',
          properties: { channel: { type: 'string' } },
          required: ['channel'],
        },
      })) as { action: string; content?: { channel?: string } };
      return answer.action === 'accept'
        ? `published ${quarter} to ${answer.content?.channel}`
        : 'not published';
    },
  })
  .tool('export_ledger', {
    description: 'Streams the ledger from the accounting upstream',
    taskSupport: 'required',
    handler: async (_args, ctx) => {
      ctx.signal.addEventListener('abort', () => {
        handlerSignals.aborted++;
        handlerSignals.reason = ctx.signal.reason;
      });
      const response = await fetch(`${upstream.url}/ledger`, { signal: ctx.signal });
      return await response.text();
    },
  })
  .build();

let served: Awaited<ReturnType<typeof serveForTest>>;

beforeAll(async () => {
  // Legacy sessions keep what the client declared at `initialize` (the extension among it) for the
  // session's later requests; a stateless legacy POST carries no capabilities.
  served = await serveForTest(server, { sessions: true });
  upstream.route('GET', '/ledger', { hang: true });
});

afterAll(async () => {
  await served.close();
  await upstream.close();
});

/** Answers the question the way a user at a client would. */
const answer = () => ({ action: 'accept' as const, content: { channel: '#finance' } });

/** Each era's official client, calling tools as tasks (see `connectTaskRequester`). */
const requesters: Record<Era, () => Promise<TaskRequester>> = {
  modern: () =>
    connectTaskRequester('modern', served.url, { elicitation: answer, clientName: 'reports-test' }),
  legacy: () =>
    connectTaskRequester('legacy', served.url, { elicitation: answer, clientName: 'reports-test' }),
};

describe.each(['modern', 'legacy'] as const)('tasks through the official client (%s era)', (era) => {
  it('creates a task, polls it, and receives the typed result', async () => {
    const requester = await requesters[era]();
    const outcome = await requester.run('generate_report', { quarter: '2026-Q3' });
    expect(outcome.status).toBe('completed');
    expect(outcome.result?.structuredContent).toEqual({ quarter: '2026-Q3', rows: 42 });
    await requester.close();
  });

  it('asks for input while running, resumes with the answer, and finishes', async () => {
    const requester = await requesters[era]();
    const outcome = await requester.run('publish_report', { quarter: '2026-Q3' });
    expect(outcome).toMatchObject({
      status: 'completed',
      result: { content: [{ type: 'text', text: 'published 2026-Q3 to #finance' }] },
    });
    await requester.close();
  });

  it("cancels a task: the handler's signal fires and its upstream request is aborted", async () => {
    upstream.reset();
    upstream.route('GET', '/ledger', { hang: true });
    const before = handlerSignals.aborted;
    const requester = await requesters[era]();
    let created: (taskId: string) => void = () => {};
    const taskId = new Promise<string>((resolve) => {
      created = resolve;
    });
    const settled = requester.run('export_ledger', {}, { onTask: created });
    const [ledgerRequest] = await upstream.waitForRequests(1);
    await requester.cancel(await taskId);
    const closedAt = await upstream.waitForClose(ledgerRequest as never);
    expect(closedAt).toBeGreaterThan(0);
    expect((await settled).status).toBe('cancelled');
    expect(handlerSignals.aborted).toBe(before + 1);
    await requester.close();
  });
});

it('answers tasks/get in the modern era with the exact wire shape of the extension', async () => {
  const rawDispatch = modernTaskDispatch(served.url);
  const created = await rawDispatch({
    method: 'tools/call',
    params: {
      name: 'generate_report',
      arguments: { quarter: '2026-Q4' },
      _meta: {
        'io.modelcontextprotocol/protocolVersion': '2026-07-28',
        'io.modelcontextprotocol/clientInfo': { name: 'reports-test', version: '1.0.0' },
        'io.modelcontextprotocol/clientCapabilities': DECLARED,
      },
    },
  });
  const task = CreateTaskResultV2Schema.parse((created as { result: unknown }).result);
  const got = await rawDispatch({
    method: 'tasks/get',
    params: {
      taskId: task.taskId,
      _meta: {
        'io.modelcontextprotocol/protocolVersion': '2026-07-28',
        'io.modelcontextprotocol/clientInfo': { name: 'reports-test', version: '1.0.0' },
        'io.modelcontextprotocol/clientCapabilities': DECLARED,
      },
    },
  });
  expect(GetTaskResultV2Schema.safeParse((got as { result: unknown }).result).success).toBe(true);
});
