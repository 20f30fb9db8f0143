import {
  createMemoryTaskStore,
  createServer,
  McpkitError,
  type McpkitServer,
  type Middleware,
  ProtocolError,
  RpcCode,
  TASKS_EXTENSION,
  type TaskStore,
} from '@mcpkit/core';
import { useFakeClock } from '@mcpkit/testing/vitest';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import * as z from 'zod';
import { envelope, modernHeaders } from './fixtures/http-wire.js';

// The edges of a task's life: stores that fail for a moment, handlers that do not await their
// detach, middleware that answers before the handler, ttlMs past a timer's range, cancel reasons.

const DECLARED = { extensions: { [TASKS_EXTENSION]: {} } };
const servers: McpkitServer[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) await server.drain(0);
});

/** One modern request through the server's fetch handler; the JSON-RPC result or the thrown error. */
async function rpc(server: McpkitServer, method: string, params: Record<string, unknown>) {
  const handler = server.fetchHandler({ allowedHosts: [] });
  const headers = modernHeaders(method, params);
  if (method.startsWith('tasks/')) headers['mcp-name'] = String(params.taskId);
  const response = await handler(
    new Request('http://127.0.0.1/mcp', {
      method: 'POST',
      headers,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method,
        params: { ...params, _meta: envelope(DECLARED) },
      }),
    }),
  );
  const body = (await response.json()) as { result?: Record<string, unknown>; error?: { code: number } };
  if (body.error) throw body.error;
  return body.result as Record<string, unknown>;
}

async function until(server: McpkitServer, taskId: string, status: string) {
  for (let i = 0; i < 300; i++) {
    const task = await rpc(server, 'tasks/get', { taskId });
    if (task.status === status) return task;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`task ${taskId} never reached ${status}`);
}

/** The memory store with some methods replaced (a store that fails or lags like a networked one). */
function storeWith(overrides: Partial<TaskStore>): TaskStore {
  const store = createMemoryTaskStore();
  return Object.assign(Object.create(store) as TaskStore, overrides);
}

function build(
  options: Parameters<typeof createServer>[0]['tasks'],
  setup: (b: ReturnType<typeof createServer>) => void,
) {
  const builder = createServer({ name: 'edges', version: '1.0.0', tasks: options });
  setup(builder);
  const server = builder.build();
  servers.push(server);
  return server;
}

describe('task edges', () => {
  it('keeps running when a status message cannot be stored, and settles the task', async () => {
    const inner = createMemoryTaskStore();
    const store = storeWith({
      setStatusMessage: () => Promise.reject(new McpkitError('UPSTREAM_UNAVAILABLE', 'store down')),
      create: (task) => inner.create(task),
      get: (id, owner) => inner.get(id, owner),
      settle: (id, outcome) => inner.settle(id, outcome),
      watch: (id, listener) => inner.watch(id, listener),
    });
    const server = build({ store }, (b) =>
      b.tool('steps', {
        description: 'Reports a step, then answers',
        taskSupport: 'required',
        handler: async (_args, ctx) => {
          ctx.progress(1, 2, 'halfway');
          await new Promise((resolve) => setTimeout(resolve, 20));
          return 'done';
        },
      }),
    );
    const created = await rpc(server, 'tools/call', { name: 'steps', arguments: {} });
    const done = await until(server, created.taskId as string, 'completed');
    expect(done.result).toMatchObject({ content: [{ type: 'text', text: 'done' }] });
  });

  it('retries a settle the store refused for a moment, so the task does not stay working', async () => {
    const inner = createMemoryTaskStore();
    let refusals = 2;
    const store = storeWith({
      create: (task) => inner.create(task),
      get: (id, owner) => inner.get(id, owner),
      watch: (id, listener) => inner.watch(id, listener),
      settle: (id, outcome) =>
        refusals-- > 0
          ? Promise.reject(new McpkitError('UPSTREAM_UNAVAILABLE', 'blip'))
          : inner.settle(id, outcome),
    });
    const server = build({ store }, (b) =>
      b.tool('quick', { description: 'Answers at once', taskSupport: 'required', handler: () => 'fine' }),
    );
    const created = await rpc(server, 'tools/call', { name: 'quick', arguments: {} });
    const done = await until(server, created.taskId as string, 'completed');
    expect(done.result).toMatchObject({ content: [{ type: 'text', text: 'fine' }] });
    expect(refusals).toBe(-1);
  });

  it('does not stop a task early whose ttlMs is beyond the range of a timer', async () => {
    let aborted = false;
    const server = build({ ttlMs: 30 * 86_400_000 }, (b) =>
      b.tool('month', {
        description: 'A task kept for a month',
        taskSupport: 'required',
        handler: async (_args, ctx) => {
          await new Promise((resolve) => setTimeout(resolve, 100));
          aborted = ctx.signal.aborted;
          return 'kept';
        },
      }),
    );
    // The fake clock fires an out-of-range timer after 1 ms, as Node does: a ttl timer set
    // without clamping would abort the handler within the 100 ms it waits, with no real wait.
    const clock = useFakeClock();
    onTestFinished(() => clock.restore());
    const created = await rpc(server, 'tools/call', { name: 'month', arguments: {} });
    expect(created.ttlMs).toBe(30 * 86_400_000);
    await clock.advance(100);
    await vi.waitFor(async () =>
      expect(await rpc(server, 'tasks/get', { taskId: created.taskId })).toMatchObject({
        status: 'completed',
      }),
    );
    expect(aborted).toBe(false);
  });

  it("stops work left running when a middleware answers for the handler (a timeout), freeing the task's slot", async () => {
    const starts: string[] = [];
    let stoppedWith: unknown;
    const timeout: Middleware = (_ctx, next) =>
      Promise.race([
        next(),
        new Promise<never>((_resolve, reject) =>
          setTimeout(() => reject(new McpkitError('UPSTREAM_TIMEOUT', 'too slow')), 50),
        ),
      ]);
    const server = build({ maxRunning: 1 }, (b) =>
      b.use('tools/call', timeout).tool('slow', {
        description: 'Takes longer than the timeout',
        input: z.object({ name: z.string() }),
        taskSupport: 'required',
        handler: ({ name }, ctx) =>
          new Promise<string>((resolve, reject) => {
            starts.push(name);
            const timer = setTimeout(() => resolve('late'), 5_000);
            ctx.signal.addEventListener('abort', () => {
              clearTimeout(timer);
              stoppedWith = ctx.signal.reason;
              reject(ctx.signal.reason);
            });
          }),
      }),
    );
    const first = await rpc(server, 'tools/call', { name: 'slow', arguments: { name: 'a' } });
    const ended = await until(server, first.taskId as string, 'completed');
    expect(ended.result).toMatchObject({
      isError: true,
      structuredContent: { error: { code: 'UPSTREAM_TIMEOUT' } },
    });
    await vi.waitFor(() => expect(stoppedWith).toBeInstanceOf(McpkitError));
    const second = await rpc(server, 'tools/call', { name: 'slow', arguments: { name: 'b' } });
    await until(server, second.taskId as string, 'completed');
    expect(starts).toEqual(['a', 'b']);
  });

  it('ends a task whose handler returned before its detach finished, and frees its slot', async () => {
    const inner = createMemoryTaskStore();
    const store = storeWith({
      // A networked store: creating takes a while.
      create: async (task) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return inner.create(task);
      },
      get: (id, owner) => inner.get(id, owner),
      settle: (id, outcome) => inner.settle(id, outcome),
      watch: (id, listener) => inner.watch(id, listener),
    });
    const server = build({ store, maxRunning: 1 }, (b) =>
      b
        .tool('hasty', {
          description: 'Starts detaching and returns without waiting',
          taskSupport: 'optional',
          task: { detach: 'manual' },
          handler: (_args, ctx) => {
            void ctx.detach();
            return 'plain';
          },
        })
        .tool('after', { description: 'Runs next', taskSupport: 'required', handler: () => 'next ran' }),
    );
    const plain = await rpc(server, 'tools/call', { name: 'hasty', arguments: {} });
    expect(plain).toMatchObject({ resultType: 'complete', content: [{ type: 'text', text: 'plain' }] });
    const next = await rpc(server, 'tools/call', { name: 'after', arguments: {} });
    const done = await until(server, next.taskId as string, 'completed');
    expect(done.result).toMatchObject({ content: [{ type: 'text', text: 'next ran' }] });
  });

  it('fails the task of a handler that threw while its detach was still being created', async () => {
    const inner = createMemoryTaskStore();
    const created: string[] = [];
    const store = storeWith({
      create: async (task) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        created.push(task.taskId);
        return inner.create(task);
      },
      get: (id, owner) => inner.get(id, owner),
      settle: (id, outcome) => inner.settle(id, outcome),
      watch: (id, listener) => inner.watch(id, listener),
    });
    const server = build({ store }, (b) =>
      b.tool('rash', {
        description: 'Starts detaching, then throws without waiting',
        taskSupport: 'optional',
        task: { detach: 'manual' },
        handler: (_args, ctx) => {
          void ctx.detach();
          throw new ProtocolError(RpcCode.INVALID_PARAMS, 'The call cannot be served.');
        },
      }),
    );
    await expect(rpc(server, 'tools/call', { name: 'rash', arguments: {} })).rejects.toMatchObject({
      code: RpcCode.INVALID_PARAMS,
    });
    await vi.waitFor(() => expect(created).toHaveLength(1));
    const task = await until(server, created[0] as string, 'failed');
    expect(task.error).toMatchObject({ code: RpcCode.INVALID_PARAMS, message: 'The call cannot be served.' });
  });

  it('aborts a cancelled handler with a coded reason, and reports a ttlMs stop as task.failed', async () => {
    let reason: unknown;
    const server = build({ ttlMs: 60_000 }, (b) =>
      b
        .tool('wait', {
          description: 'Waits for its signal',
          taskSupport: 'required',
          handler: (_args, ctx) =>
            new Promise<string>((_resolve, reject) =>
              ctx.signal.addEventListener('abort', () => {
                reason = ctx.signal.reason;
                reject(ctx.signal.reason);
              }),
            ),
        })
        .tool('brief', {
          description: 'Kept 50 ms',
          taskSupport: 'required',
          task: { ttlMs: 50 },
          handler: (_args, ctx) =>
            new Promise<string>((_resolve, reject) =>
              ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)),
            ),
        }),
    );
    const ended: string[] = [];
    for (const kind of ['task.completed', 'task.failed', 'task.cancelled'] as const) {
      server.telemetry.on(kind, (event) => ended.push(`${kind}:${event.tool}`));
    }
    const waiting = await rpc(server, 'tools/call', { name: 'wait', arguments: {} });
    await rpc(server, 'tasks/cancel', { taskId: waiting.taskId });
    await vi.waitFor(() => expect(reason).toBeInstanceOf(McpkitError));
    expect((reason as McpkitError).code).toBe('CONFLICT');
    await rpc(server, 'tools/call', { name: 'brief', arguments: {} });
    await vi.waitFor(() => expect(ended).toEqual(['task.cancelled:wait', 'task.failed:brief']));
  });
  it('fails a task whose result is larger than maxResultBytes, with a coded error, instead of storing it', async () => {
    const server = build({ maxResultBytes: 1_000 }, (b) =>
      b.tool('huge', {
        description: 'Returns too much',
        taskSupport: 'required',
        handler: () => 'x'.repeat(5_000),
      }),
    );
    const created = await rpc(server, 'tools/call', { name: 'huge', arguments: {} });
    const failed = await until(server, created.taskId as string, 'failed');
    expect(failed.error).toMatchObject({
      code: -32603,
      data: { code: 'INTERNAL', details: { maxResultBytes: 1_000 } },
    });
    expect(JSON.stringify(failed)).not.toContain('xxxxxxxxxx');
  });
});
