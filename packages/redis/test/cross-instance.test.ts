import { randomBytes } from 'node:crypto';
import { createServer, silentLogger, TASKS_EXTENSION } from '@mcpkit/core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { createRedisTaskStore, type RedisTaskStore } from '../src/index.js';
import { closeClients, connectRedis, deleteKeys, testPrefix } from './support/redis.js';

// Two server instances, each with its own Redis client and the same store configuration, behind
// one imaginary load balancer: a task created through A is read, answered and cancelled through B,
// and the handler running on A hears B's cancel. Requests go over each server's fetch handler
// as the extension's clients send them (modern era).

const prefix = testPrefix('cross');
const stores: RedisTaskStore[] = [];
const aborted: Array<{ server: string; at: number }> = [];

async function instance(name: string, heartbeatMs?: number) {
  const client = await connectRedis();
  const store = createRedisTaskStore({ client, prefix, logger: silentLogger, heartbeatMs });
  stores.push(store);
  const server = createServer({ name: `tasks-${name}`, version: '1.0.0', tasks: { store, ttlMs: 60_000 } })
    .use(async (ctx, next) => {
      const user = ctx.headers['x-user'];
      if (user !== undefined) ctx.auth = { subject: user, scopes: [] };
      return next();
    })
    .tool('work', {
      description: 'Works until cancelled',
      input: z.object({ ms: z.number() }),
      taskSupport: 'optional',
      handler: ({ ms }, ctx) =>
        new Promise<string>((resolve, reject) => {
          const timer = setTimeout(() => resolve(`worked on ${name}`), ms);
          ctx.signal.addEventListener('abort', () => {
            clearTimeout(timer);
            aborted.push({ server: name, at: performance.now() });
            reject(ctx.signal.reason);
          });
        }),
    })
    .tool('confirm', {
      description: 'Asks the user to confirm while running',
      taskSupport: 'optional',
      handler: async (_args, ctx) => {
        const answer = (await ctx.elicit({
          message: 'Go ahead?',
          requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] },
        })) as { content?: { ok?: boolean } };
        return answer.content?.ok === true ? `went ahead on ${name}` : 'stopped';
      },
    })
    .build();
  const handler = server.fetchHandler({ allowedHosts: [] });
  let ids = 0;
  const request = async function request(method: string, params: Record<string, unknown>, user = 'ada') {
    const response = await handler(
      new Request('http://127.0.0.1/mcp', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2026-07-28',
          'mcp-method': method,
          'mcp-name': String(method === 'tools/call' ? params.name : params.taskId),
          'x-user': user,
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: ++ids,
          method,
          params: {
            ...params,
            _meta: {
              'io.modelcontextprotocol/protocolVersion': '2026-07-28',
              'io.modelcontextprotocol/clientInfo': { name: 'cross-test', version: '1.0.0' },
              'io.modelcontextprotocol/clientCapabilities': {
                extensions: { [TASKS_EXTENSION]: {} },
                elicitation: {},
              },
            },
          },
        }),
      }),
    );
    const message = (await response.json()) as { result?: Record<string, unknown>; error?: unknown };
    if (message.error) throw message.error;
    return message.result as Record<string, unknown>;
  };
  return Object.assign(request, { client });
}

type Request = Awaited<ReturnType<typeof instance>>;

async function until(
  request: Request,
  taskId: unknown,
  status: string,
  tries = 200,
): Promise<Record<string, unknown>> {
  for (let i = 0; i < tries; i++) {
    const task = await request('tasks/get', { taskId });
    if (task.status === status) return task;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`task never reached ${status}`);
}

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});
afterAll(async () => {
  const admin = await connectRedis();
  await deleteKeys(admin, prefix);
  await closeClients();
});

describe('tasks across two instances on one Redis', () => {
  it('hands the result of a task run on A to a client polling B', async () => {
    const [a, b] = [await instance('a'), await instance('b')];
    const created = await a('tools/call', { name: 'work', arguments: { ms: 50 } });
    expect((await b('tasks/get', { taskId: created.taskId })).status).toBe('working');
    const done = await until(b, created.taskId, 'completed');
    expect(done.result).toMatchObject({ content: [{ type: 'text', text: 'worked on a' }] });
  });

  it('resumes the handler on A with the answer sent through B', async () => {
    const [a, b] = [await instance('a'), await instance('b')];
    const created = await a('tools/call', { name: 'confirm', arguments: {} });
    const waiting = await until(b, created.taskId, 'input_required');
    const [key] = Object.keys(waiting.inputRequests as object);
    await b('tasks/update', {
      taskId: created.taskId,
      inputResponses: { [key as string]: { action: 'accept', content: { ok: true } } },
    });
    const after = await b('tasks/get', { taskId: created.taskId });
    expect(['working', 'completed']).toContain(after.status);
    const done = await until(b, created.taskId, 'completed');
    expect(done.result).toMatchObject({ content: [{ text: 'went ahead on a' }] });
  });

  it('aborts the handler on A within 100 ms of a cancel through B, and the task stays cancelled', async () => {
    const [a, b] = [await instance('a'), await instance('b')];
    const created = await a('tools/call', { name: 'work', arguments: { ms: 10_000 } });
    const before = aborted.length;
    const sentAt = performance.now();
    await b('tasks/cancel', { taskId: created.taskId });
    expect((await a('tasks/get', { taskId: created.taskId })).status).toBe('cancelled');
    for (let i = 0; i < 20 && aborted.length === before; i++) await new Promise((r) => setTimeout(r, 5));
    expect(aborted.slice(before).map((e) => e.server)).toEqual(['a']);
    expect((aborted[before]?.at ?? Infinity) - sentAt).toBeLessThan(100);
    await new Promise((r) => setTimeout(r, 20));
    expect((await b('tasks/get', { taskId: created.taskId })).status).toBe('cancelled');
  });

  it("shows another caller's task, through the other instance, as the same unknown task as a made-up id", async () => {
    const [a, b] = [await instance('a'), await instance('b')];
    const created = await a('tools/call', { name: 'work', arguments: { ms: 300 } });
    const refusals = new Set<string>();
    for (const taskId of [created.taskId, randomBytes(18).toString('base64url')]) {
      for (const method of ['tasks/get', 'tasks/update', 'tasks/cancel']) {
        const params = method === 'tasks/update' ? { taskId, inputResponses: {} } : { taskId };
        refusals.add(
          await b(method, params, 'grace').then(
            () => 'answered',
            (error: { code: number; message: string }) => JSON.stringify([error.code, error.message]),
          ),
        );
      }
    }
    expect(refusals).toEqual(new Set([JSON.stringify([-32602, 'Failed to retrieve task: Task not found.'])]));
    expect((await b('tasks/get', { taskId: created.taskId })).status).toBe('working');
  });

  it('marks a task failed, retryably, once the instance running it died and its heartbeat lapsed', async () => {
    const heartbeatMs = 300;
    const [a, b] = [await instance('a', heartbeatMs), await instance('b', heartbeatMs)];
    const running = await a('tools/call', { name: 'work', arguments: { ms: 10_000 } });
    const doomed = await a('tools/call', { name: 'work', arguments: { ms: 10_000 } });
    // A live instance's task stays working past several heartbeats.
    await new Promise((r) => setTimeout(r, heartbeatMs * 2));
    expect((await b('tasks/get', { taskId: running.taskId })).status).toBe('working');
    // A dies: its connection to Redis is gone for good, so no beat arrives any more.
    a.client.disconnect();
    const diedAt = performance.now();
    const failed = await until(b, doomed.taskId, 'failed', 300);
    expect(performance.now() - diedAt).toBeLessThan(heartbeatMs + 1_000);
    expect(failed.error).toMatchObject({
      code: -32603,
      data: { code: 'UPSTREAM_UNAVAILABLE', retryable: true },
    });
    expect(failed.statusMessage).toBe('The server instance running the task stopped before it finished.');
  });
});
