import { randomBytes } from 'node:crypto';
import {
  createMemoryTaskStore,
  createServer,
  type Era,
  McpkitError,
  ProtocolError,
  RpcCode,
  TASKS_EXTENSION,
} from '@mcpkit/core';
import { createTestClient, type TestClient } from '@mcpkit/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as z from 'zod';

// The Tasks extension (SEP-2663) through a real MCP client, in both eras: a task-augmented
// tools/call answers at once with a task the client polls, answers and cancels.

const ANY = z.looseObject({});
const DECLARED = { extensions: { [TASKS_EXTENSION]: {} }, elicitation: {} };
const clients: TestClient[] = [];
const seen = { aborted: 0 };

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      seen.aborted++;
      reject(signal?.reason);
    };
    // Removed once slept: a task's signal also aborts after it ended, which is not a cancel.
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function buildServer(store = createMemoryTaskStore()) {
  return createServer({
    name: 'tasks',
    version: '1.0.0',
    tasks: { store, ttlMs: 60_000, pollIntervalMs: 250 },
  })
    .use(async (ctx, next) => {
      const user = ctx.headers['x-user'];
      if (user !== undefined) ctx.auth = { subject: user, scopes: [] };
      return next();
    })
    .tool('quick', {
      description: 'Answers at once, never as a task',
      handler: () => 'quick answer',
    })
    .tool('work', {
      description: 'Works for `ms` milliseconds; may run as a task',
      input: z.object({ ms: z.number() }),
      taskSupport: 'optional',
      handler: async ({ ms }, ctx) => {
        await sleep(ms, ctx.signal);
        return `worked ${ms} ms as ${ctx.taskId === undefined ? 'a call' : 'a task'}`;
      },
    })
    .tool('must_task', {
      description: 'Runs only as a task',
      taskSupport: 'required',
      handler: () => 'done',
    })
    .tool('fails', {
      description: 'Ends with a coded tool error',
      taskSupport: 'optional',
      handler: () => {
        throw new McpkitError('CONFLICT', 'Already shipped.');
      },
    })
    .tool('breaks', {
      description: 'Ends with a JSON-RPC error',
      taskSupport: 'optional',
      handler: () => {
        throw new ProtocolError(RpcCode.INTERNAL_ERROR, 'Broke.');
      },
    })
    .tool('confirm', {
      description: 'Asks the user to confirm while running',
      taskSupport: 'optional',
      handler: async (_args, ctx) => {
        const answer = (await ctx.elicit({
          message: 'Go ahead?',
          requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] },
        })) as { content?: { ok?: boolean } };
        return answer.content?.ok === true ? 'went ahead' : 'stopped';
      },
    })
    .tool('stubborn', {
      description: 'Ignores its signal and never answers',
      taskSupport: 'optional',
      // A hang, not a timer: nothing of the test waits for it, and nothing outlives the test.
      handler: () => new Promise<string>(() => undefined),
    })
    .build();
}

type Conn = TestClient & {
  ids: number;
  capabilities: Record<string, unknown>;
  headers: Record<string, string>;
  fetch: (request: Request) => Promise<Response>;
};

async function connect(
  server: ReturnType<typeof buildServer>,
  era: Era,
  options: { user?: string; declare?: boolean } = {},
): Promise<Conn> {
  const capabilities = options.declare === false ? { elicitation: {} } : DECLARED;
  const headers: Record<string, string> = options.user ? { 'x-user': options.user } : {};
  const client = await createTestClient(server, { era, capabilities, headers });
  clients.push(client);
  const handler = server.fetchHandler({ allowedHosts: [] });
  return Object.assign(client, { ids: 0, capabilities, headers, fetch: (req: Request) => handler(req) });
}

/**
 * One JSON-RPC request. Legacy: through the official client. Modern: the official client refuses
 * a `resultType: "task"` result for tools/call (it does not implement the extension), so modern
 * requests go as the extension's clients send them, over the server's Streamable HTTP handler
 * with the envelope in `_meta` and the routing headers.
 */
async function request(
  client: Conn,
  method: string,
  params: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  if (client.era === 'legacy') {
    return (await client.client
      .request({ method, params } as never, ANY)
      .catch((error: { code?: number; message: string; data?: unknown }) => {
        throw {
          code: error.code,
          message: error.message.replace(/^MCP error -?\d+: /, ''),
          data: error.data,
        };
      })) as Record<string, unknown>;
  }
  const name = method === 'tools/call' ? params.name : params.taskId;
  const body = {
    jsonrpc: '2.0',
    id: ++client.ids,
    method,
    params: {
      ...params,
      _meta: {
        'io.modelcontextprotocol/protocolVersion': '2026-07-28',
        'io.modelcontextprotocol/clientInfo': { name: 'tasks-test', version: '1.0.0' },
        'io.modelcontextprotocol/clientCapabilities': client.capabilities,
      },
    },
  };
  const response = await client.fetch(
    new Request('http://127.0.0.1/mcp', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': method,
        'mcp-name': String(name),
        ...client.headers,
      },
      body: JSON.stringify(body),
    }),
  );
  const message = (await response.json()) as {
    result?: Record<string, unknown>;
    error?: Record<string, unknown>;
  };
  if (message.error) throw message.error;
  return message.result as Record<string, unknown>;
}

async function until(client: Conn, taskId: string, status: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 200; i++) {
    const task = await request(client, 'tasks/get', { taskId });
    if (task.status === status) return task;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`task ${taskId} never reached ${status}`);
}

afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
});

describe.each(['modern', 'legacy'] as const)('tasks (%s era)', (era) => {
  it('advertises the extension under capabilities.extensions only', async () => {
    const client = await connect(buildServer(), era);
    const capabilities = client.client.getServerCapabilities() as Record<string, unknown>;
    expect(capabilities.extensions).toEqual({ [TASKS_EXTENSION]: {} });
    expect(capabilities.tasks).toBeUndefined();
  });

  it('creates a task, is polled while working, and hands over the result', async () => {
    const client = await connect(buildServer(), era);
    const created = await request(client, 'tools/call', { name: 'work', arguments: { ms: 100 } });
    expect(created).toMatchObject({ status: 'working', ttlMs: 60_000, pollIntervalMs: 250 });
    if (era === 'modern') expect(created.resultType).toBe('task');
    expect(typeof created.taskId).toBe('string');
    expect(Buffer.from(created.taskId as string, 'base64url').length).toBeGreaterThanOrEqual(16);
    expect(created.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/);
    for (const key of ['content', 'result', 'ttl', 'pollInterval', 'requestState', 'task'])
      expect(created).not.toHaveProperty(key);
    const working = await request(client, 'tasks/get', { taskId: created.taskId });
    expect(working.status).toBe('working');
    const done = await until(client, created.taskId as string, 'completed');
    expect(done.result).toMatchObject({ content: [{ type: 'text', text: 'worked 100 ms as a task' }] });
  });

  it('runs an optional tool as a plain call for a client that did not declare the extension', async () => {
    const client = await connect(buildServer(), era, { declare: false });
    const result = await client.callTool('work', { ms: 1 });
    expect(result.content).toEqual([{ type: 'text', text: 'worked 1 ms as a call' }]);
  });

  it('refuses a task-required tool, and the tasks methods, to a client without the capability (-32021)', async () => {
    const client = await connect(buildServer(), era, { declare: false });
    const missing = {
      code: -32021,
      data: { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } },
    };
    await expect(request(client, 'tools/call', { name: 'must_task', arguments: {} })).rejects.toMatchObject(
      missing,
    );
    await expect(request(client, 'tasks/get', { taskId: 'gate-test' })).rejects.toMatchObject(missing);
  });

  it('completes with the tool error of a coded failure, and fails with the JSON-RPC error of a protocol failure', async () => {
    const client = await connect(buildServer(), era);
    const failed = await request(client, 'tools/call', { name: 'fails', arguments: {} });
    const toolError = await until(client, failed.taskId as string, 'completed');
    expect(toolError.result).toMatchObject({
      isError: true,
      structuredContent: { error: { code: 'CONFLICT' } },
    });
    const broken = await request(client, 'tools/call', { name: 'breaks', arguments: {} });
    const protocolError = await until(client, broken.taskId as string, 'failed');
    expect(protocolError.error).toEqual({ code: RpcCode.INTERNAL_ERROR, message: 'Broke.' });
    expect(protocolError).not.toHaveProperty('result');
  });

  it('asks for input while running and resumes when the client answers through tasks/update', async () => {
    const client = await connect(buildServer(), era);
    const created = await request(client, 'tools/call', { name: 'confirm', arguments: {} });
    const waiting = await until(client, created.taskId as string, 'input_required');
    const keys = Object.keys(waiting.inputRequests as object);
    expect(keys).toHaveLength(1);
    expect((waiting.inputRequests as Record<string, { method: string }>)[keys[0] as string]?.method).toBe(
      'elicitation/create',
    );
    const ack = await request(client, 'tasks/update', {
      taskId: created.taskId,
      inputResponses: {
        [keys[0] as string]: { action: 'accept', content: { ok: true } },
        'not-asked': { x: 1 },
      },
    });
    for (const key of ['taskId', 'status', 'result']) expect(ack).not.toHaveProperty(key);
    const done = await until(client, created.taskId as string, 'completed');
    expect(done.result).toMatchObject({ content: [{ text: 'went ahead' }] });
  });

  it("cancels a running task: the handler's signal fires and the task stays cancelled", async () => {
    const client = await connect(buildServer(), era);
    const before = seen.aborted;
    const created = await request(client, 'tools/call', { name: 'work', arguments: { ms: 10_000 } });
    await request(client, 'tasks/cancel', { taskId: created.taskId });
    const cancelled = await request(client, 'tasks/get', { taskId: created.taskId });
    expect(cancelled.status).toBe('cancelled');
    await new Promise((r) => setTimeout(r, 20));
    expect(seen.aborted).toBe(before + 1);
    // Cancelling a finished task is acknowledged and changes nothing.
    await request(client, 'tasks/cancel', { taskId: created.taskId });
    expect((await request(client, 'tasks/get', { taskId: created.taskId })).status).toBe('cancelled');
  });

  it("shows another caller's task, and a made-up id, as the same unknown task", async () => {
    const server = buildServer();
    const owner = await connect(server, era, { user: 'ada' });
    const other = await connect(server, era, { user: 'grace' });
    const created = await request(owner, 'tools/call', { name: 'work', arguments: { ms: 200 } });
    const refusals = [];
    for (const taskId of [created.taskId, randomBytes(18).toString('base64url')]) {
      for (const method of ['tasks/get', 'tasks/update', 'tasks/cancel']) {
        const params = method === 'tasks/update' ? { taskId, inputResponses: {} } : { taskId };
        refusals.push(
          await request(other, method, params).then(
            () => 'answered',
            (error) => [error.code, error.message],
          ),
        );
      }
    }
    expect(new Set(refusals.map((r) => JSON.stringify(r)))).toEqual(
      new Set([JSON.stringify([-32602, 'Failed to retrieve task: Task not found.'])]),
    );
    expect((await request(owner, 'tasks/get', { taskId: created.taskId })).status).toBe('working');
  });
});

describe('cross-caller probe', () => {
  it("discloses nothing in 1,000 tasks/get with other callers' ids and made-up ones", async () => {
    const server = buildServer();
    const owners = await Promise.all(
      ['ada', 'grace', 'linus'].map((user) => connect(server, 'modern', { user })),
    );
    const prober = await connect(server, 'modern', { user: 'mallory' });
    const ids: string[] = [];
    for (const owner of owners) {
      for (let i = 0; i < 5; i++) {
        ids.push(
          (await request(owner, 'tools/call', { name: 'work', arguments: { ms: 5_000 } })).taskId as string,
        );
      }
    }
    const answers = new Map<string, number>();
    for (let i = 0; i < 1_000; i++) {
      const taskId = i % 2 === 0 ? (ids[i % ids.length] as string) : randomBytes(18).toString('base64url');
      const answer = await request(prober, 'tasks/get', { taskId }).then(
        (task) => `disclosed ${String(task.status)}`,
        (error: { code: number; message: string; data?: unknown }) =>
          JSON.stringify([error.code, error.message, error.data]),
      );
      answers.set(answer, (answers.get(answer) ?? 0) + 1);
    }
    // One answer for all 1,000: the same error whether the task exists (someone else's) or not.
    expect([...answers]).toEqual([
      [JSON.stringify([-32602, 'Failed to retrieve task: Task not found.', null]), 1_000],
    ]);
    await server.drain(0);
  });
});

describe('task store and shutdown', () => {
  it('refuses a new task with a retryable RATE_LIMITED when the store is full, instead of evicting one', async () => {
    const client = await connect(buildServer(createMemoryTaskStore({ maxTasks: 2 })), 'modern');
    await request(client, 'tools/call', { name: 'work', arguments: { ms: 1 } });
    await request(client, 'tools/call', { name: 'work', arguments: { ms: 1 } });
    const refused = await request(client, 'tools/call', { name: 'work', arguments: { ms: 1 } });
    expect(refused.isError).toBe(true);
    expect(refused.structuredContent).toMatchObject({ error: { code: 'RATE_LIMITED', retryable: true } });
  });

  it('queues tasks past maxRunning, refuses past maxQueued, and drops a cancelled task from the queue', async () => {
    const started: string[] = [];
    const gates = new Map<string, () => void>();
    const server = createServer({ name: 'queue', version: '1.0.0', tasks: { maxRunning: 1, maxQueued: 2 } })
      .tool('gated', {
        description: 'Runs until the test opens its gate',
        input: z.object({ name: z.string() }),
        taskSupport: 'optional',
        handler: async ({ name }, ctx) => {
          started.push(name);
          await new Promise<void>((resolve, reject) => {
            gates.set(name, resolve);
            ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason));
          });
          return `done ${name}`;
        },
      })
      .build();
    const client = await connect(server as unknown as ReturnType<typeof buildServer>, 'modern');
    const call = (name: string) => request(client, 'tools/call', { name: 'gated', arguments: { name } });
    const a = await call('a');
    const b = await call('b');
    const c = await call('c');
    // Queued tasks are tasks already: the client got them at once and sees them working.
    expect([a.status, b.status, c.status]).toEqual(['working', 'working', 'working']);
    await until(client, a.taskId as string, 'working');
    expect(started).toEqual(['a']);
    const refused = await call('d');
    expect(refused.isError).toBe(true);
    expect(refused.structuredContent).toMatchObject({
      error: { code: 'RATE_LIMITED', retryable: true, retryAfterMs: 1_000 },
    });
    await request(client, 'tasks/cancel', { taskId: b.taskId });
    gates.get('a')?.();
    await until(client, a.taskId as string, 'completed');
    await until(client, c.taskId as string, 'working');
    await vi.waitFor(() => expect(started).toEqual(['a', 'c']));
    expect((await request(client, 'tasks/get', { taskId: b.taskId })).status).toBe('cancelled');
    gates.get('c')?.();
    const done = await until(client, c.taskId as string, 'completed');
    expect(done.result).toMatchObject({ content: [{ type: 'text', text: 'done c' }] });
    expect(started).toEqual(['a', 'c']);
  });

  it("aborts a handler still running when its task's ttlMs passes", async () => {
    let reason: unknown;
    const server = createServer({ name: 'expiry', version: '1.0.0', tasks: { ttlMs: 80 } })
      .tool('endless', {
        description: 'Runs until stopped',
        taskSupport: 'required',
        handler: (_args, ctx) =>
          new Promise<string>((_resolve, reject) => {
            ctx.signal.addEventListener('abort', () => {
              reason = ctx.signal.reason;
              reject(ctx.signal.reason);
            });
          }),
      })
      .build();
    const client = await connect(server as unknown as ReturnType<typeof buildServer>, 'modern');
    const created = await request(client, 'tools/call', { name: 'endless', arguments: {} });
    expect(created.status).toBe('working');
    await vi.waitFor(() => expect(reason).toBeInstanceOf(McpkitError), { timeout: 2_000 });
    expect((reason as McpkitError).code).toBe('UPSTREAM_TIMEOUT');
    await expect(request(client, 'tasks/get', { taskId: created.taskId })).rejects.toMatchObject({
      code: -32602,
    });
  });

  it('makes room from expired tasks whatever came before them, and keeps a ttlMs: null task only nullTtlMs', async () => {
    let now = 1_000_000;
    const store = createMemoryTaskStore({
      maxTasks: 1_100,
      maxTasksPerOwner: 2_000,
      nullTtlMs: 10_000,
      now: () => now,
    });
    // Long-lived tasks first (more than one sweep batch of them), then short ones, filling the store.
    for (let i = 0; i < 1_050; i++)
      await store.create({ taskId: `long-${i}`, owner: 'o', tool: 'w', ttlMs: 3_600_000 });
    for (let i = 0; i < 50; i++)
      await store.create({ taskId: `short-${i}`, owner: 'o', tool: 'w', ttlMs: 1_000 });
    await expect(
      store.create({ taskId: 'refused', owner: 'o', tool: 'w', ttlMs: 1_000 }),
    ).rejects.toMatchObject({
      code: 'RATE_LIMITED',
    });
    now += 1_000;
    // The short ones expired: their room is taken back although 1,050 older tasks come first.
    for (let i = 0; i < 50; i++)
      await store.create({ taskId: `again-${i}`, owner: 'o', tool: 'w', ttlMs: null });
    expect(await store.get('again-0', 'o')).toMatchObject({ ttlMs: null });
    now += 10_000;
    expect(await store.get('again-0', 'o')).toBeUndefined();
    await store.create({ taskId: 'after-null', owner: 'o', tool: 'w', ttlMs: 1_000 });
  });

  it('forgets a task once its ttlMs has passed', async () => {
    let now = 1_000_000;
    const store = createMemoryTaskStore({ now: () => now });
    const created = await store.create({ taskId: 't1', owner: 'o', tool: 'work', ttlMs: 1_000 });
    expect(await store.get(created.taskId, 'o')).toMatchObject({ status: 'working' });
    now += 999;
    expect(await store.get('t1', 'o')).toBeDefined();
    now += 1;
    expect(await store.get('t1', 'o')).toBeUndefined();
  });

  it('fails a running task with a retryable coded error when the server drains, never leaving it working', async () => {
    const store = createMemoryTaskStore();
    const server = buildServer(store);
    const client = await connect(server, 'modern');
    const created = await request(client, 'tools/call', { name: 'stubborn', arguments: {} });
    await server.drain(50);
    // The server refuses requests once draining; another instance would read the shared store.
    expect(await store.get(created.taskId as string, 'anonymous')).toMatchObject({
      status: 'failed',
      error: { code: RpcCode.INTERNAL_ERROR, data: { code: 'UPSTREAM_UNAVAILABLE', retryable: true } },
    });
  });
});
