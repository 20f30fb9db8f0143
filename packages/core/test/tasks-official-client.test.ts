import { createServer, type Era, TASKS_EXTENSION } from '@mcpkit/core';
import { connectTestClient, mockUpstream, serveForTest, type TestClient } from '@mcpkit/testing';
import {
  type ApplicationInputRequest,
  createTaskSessionFromClient,
  type TaskEnabledSession,
} from '@modelcontextprotocol/ext-tasks/client';
import {
  CreateTaskResultV2Schema,
  DetailedTaskV2Schema,
  GetTaskResultV2Schema,
} from '@modelcontextprotocol/ext-tasks/core/v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';

// Tasks driven by the official clients over real HTTP, in both eras.
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
const ANY = z.looseObject({});

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

/** Answers an input request the way a user at a client would. */
function answer(request: ApplicationInputRequest) {
  if (request.kind !== 'elicitation') throw new Error(`unexpected ${request.kind} request`);
  return { action: 'accept' as const, content: { channel: '#finance' } };
}

/** The requester's raw path for task traffic: one JSON-RPC message over Streamable HTTP, 2026-07-28 framing. */
let nextId = 0;
async function rawDispatch(request: unknown, options?: { signal?: AbortSignal }) {
  const framed = request as { id?: number; method: string; params: Record<string, unknown> };
  const message = { jsonrpc: '2.0', ...framed, id: framed.id ?? ++nextId };
  const response = await fetch(served.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': message.method,
      'mcp-name': String(message.params.name ?? message.params.taskId),
    },
    body: JSON.stringify(message),
    ...(options?.signal ? { signal: options.signal } : {}),
  });
  const text = await response.text();
  // A JSON answer, or the last JSON-RPC response on an SSE stream.
  const body = response.headers.get('content-type')?.includes('text/event-stream')
    ? text
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => JSON.parse(line.slice(5)))
        .reverse()
        .find((event) => event.id === message.id)
    : JSON.parse(text);
  return body.error
    ? { kind: 'error' as const, error: body }
    : { kind: 'result' as const, result: body.result };
}

/** What each era's official client does with one task-augmented call. */
interface Requester {
  /** Calls the tool as a task; `onTask` sees the task id as soon as the call answered. */
  run(
    name: string,
    args: Record<string, unknown>,
    onTask?: (taskId: string) => void,
  ): Promise<{ status: string; result?: Record<string, unknown>; taskId: string }>;
  cancel(taskId: string): Promise<void>;
  close(): Promise<void>;
}

async function modernRequester(): Promise<Requester> {
  const client: TestClient = await connectTestClient(served.url, { era: 'modern', capabilities: DECLARED });
  const session: TaskEnabledSession = createTaskSessionFromClient(client.client, {
    endpointId: 'reports-test',
    rawDispatch: rawDispatch as never,
    v2RequestFraming: {
      protocolVersion: '2026-07-28',
      clientInfo: { name: 'reports-test', version: '1.0.0' },
      clientCapabilities: DECLARED,
    },
    onInputRequest: async (request) => answer(request) as never,
  });
  const executions = new Map<string, Awaited<ReturnType<TaskEnabledSession['callTool']>>>();
  return {
    async run(name, args, onTask) {
      const execution = await session.callTool(name, args as never, { task: { preference: 'require' } });
      if (execution.kind !== 'task') throw new Error('the call did not become a task');
      const taskId = execution.handle.taskId;
      executions.set(taskId, execution);
      onTask?.(taskId);
      const { outcome } = await execution.settle();
      return {
        status: outcome.status,
        taskId,
        ...(outcome.status === 'completed' ? { result: outcome.result as Record<string, unknown> } : {}),
      };
    },
    async cancel(taskId) {
      await executions.get(taskId)?.cancel();
    },
    async close() {
      await session.close();
      await client.close();
    },
  };
}

// The SDK client drops `resultType` from results in the legacy era (a 2026-07-28 field); the rest of
// the CreateTaskResult must match the extension's schema exactly.
const LegacyCreateTaskResult = CreateTaskResultV2Schema.omit({ resultType: true });

async function legacyRequester(): Promise<Requester> {
  const client: TestClient = await connectTestClient(served.url, { era: 'legacy', capabilities: DECLARED });
  const send = (method: string, params: Record<string, unknown>) =>
    client.client.request({ method, params } as never, ANY) as Promise<Record<string, unknown>>;
  return {
    async run(name, args, onTask) {
      const created = LegacyCreateTaskResult.parse(await send('tools/call', { name, arguments: args }));
      onTask?.(created.taskId);
      for (;;) {
        const task = DetailedTaskV2Schema.parse(await send('tasks/get', { taskId: created.taskId }));
        if (task.status === 'completed')
          return { status: task.status, taskId: task.taskId, result: task.result };
        if (task.status === 'failed' || task.status === 'cancelled')
          return { status: task.status, taskId: task.taskId };
        if (task.status === 'input_required') {
          const inputResponses: Record<string, unknown> = {};
          for (const [key, request] of Object.entries(task.inputRequests)) {
            inputResponses[key] = answer({ kind: 'elicitation', params: request.params as never });
          }
          await send('tasks/update', { taskId: task.taskId, inputResponses });
          continue;
        }
        await new Promise((resolve) => setTimeout(resolve, task.pollIntervalMs ?? 20));
      }
    },
    async cancel(taskId) {
      await send('tasks/cancel', { taskId });
    },
    close: () => client.close(),
  };
}

const requesters: Record<Era, () => Promise<Requester>> = {
  modern: modernRequester,
  legacy: legacyRequester,
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
    const settled = requester.run('export_ledger', {}, created);
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
