import { createServer, type Logger, McpkitError, TASKS_EXTENSION } from '@mcpkit/core';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisTaskStore } from '../src/index.js';
import {
  closeClients,
  connectRedis,
  deleteKeys,
  FAIL_FAST,
  freePort,
  REDIS_URL,
  testPrefix,
} from './support/redis.js';
import { startTcpProxy } from './support/tcp-proxy.js';

// Redis away: every store method fails with a retryable UPSTREAM_UNAVAILABLE naming the store,
// never a crash or a hang, and the outage is logged once when it starts and once when it ends.

const prefix = testPrefix('outage');
const dead: Redis[] = [];

function recorder() {
  const lines: Array<{ level: string; msg: string }> = [];
  const at = (level: string) => (objOrMsg: Record<string, unknown> | string, msg?: string) =>
    lines.push({ level, msg: typeof objOrMsg === 'string' ? objOrMsg : (msg ?? '') });
  const logger: Logger = {
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: () => logger,
  };
  return { logger, lines };
}

/** A client of a Redis URL on a free port where nothing was started. */
async function deadClient(options = FAIL_FAST): Promise<Redis> {
  const url = `redis://127.0.0.1:${await freePort()}`;
  const client = new Redis(url, options);
  client.on('error', () => {});
  dead.push(client);
  return client;
}

/** A TCP proxy in front of the test Redis, to cut and restore this store's connections. */
function proxyToRedis() {
  const target = new URL(REDIS_URL);
  return startTcpProxy(target.hostname, Number(target.port || 6379));
}

/** Waits (up to 2 s) until a watcher heard a signal; the assertion that follows says what. */
async function heardSomething(heard: readonly unknown[]): Promise<void> {
  for (let i = 0; i < 100 && heard.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
}

/** A fail-fast client through the proxy, once connected: with no offline queue, a command sent before it is ready fails. */
async function proxiedClient(port: number): Promise<Redis> {
  const client = new Redis({ ...FAIL_FAST, host: '127.0.0.1', port });
  client.on('error', () => {});
  dead.push(client);
  if (client.status !== 'ready') await new Promise((resolve) => client.once('ready', resolve));
  return client;
}

const UNAVAILABLE = {
  code: 'UPSTREAM_UNAVAILABLE',
  retryable: true,
  details: { store: 'Redis task store' },
};

afterAll(async () => {
  for (const client of dead.splice(0)) client.disconnect();
  const admin = await connectRedis();
  await deleteKeys(admin, prefix);
  await closeClients();
});

describe('the Redis task store while Redis is down', () => {
  it('fails every method with a retryable, coded UPSTREAM_UNAVAILABLE when REDIS_URL points at a dead port', async () => {
    const { logger, lines } = recorder();
    const store = createRedisTaskStore({ client: await deadClient(), prefix, logger, timeoutMs: 300 });
    const stop = store.watch('t', () => {});
    const calls = [
      store.create({ taskId: 't', owner: 'o', tool: 'work', ttlMs: 1_000 }),
      store.get('t', 'o'),
      store.requestInput('t', { k: { method: 'roots/list' } }),
      store.answer('t', 'o', { k: {} }),
      store.settle('t', { status: 'completed', result: {} }),
      store.setStatusMessage('t', 'm'),
      store.cancel('t', 'o'),
    ];
    for (const outcome of await Promise.allSettled(calls)) {
      expect(outcome.status).toBe('rejected');
      const error = (outcome as PromiseRejectedResult).reason as unknown;
      expect(error).toBeInstanceOf(McpkitError);
      expect(error).toMatchObject(UNAVAILABLE);
      expect((error as Error).message).toMatch(/^The Redis task store is unavailable/);
    }
    stop();
    await store.close();
    expect(lines.filter((line) => line.level === 'warn')).toHaveLength(1);
  });

  it('does not wait for a client that queues commands while offline: the deadline answers', async () => {
    const store = createRedisTaskStore({
      client: await deadClient({ connectTimeout: 200, retryStrategy: () => 50 }),
      prefix,
      logger: recorder().logger,
      timeoutMs: 200,
    });
    const started = performance.now();
    await expect(store.get('t', 'o')).rejects.toMatchObject(UNAVAILABLE);
    expect(performance.now() - started).toBeLessThan(1_000);
    await store.close();
  });

  it('answers a task-augmented call with the retryable coded tool error, and tasks/get with it in the JSON-RPC error', async () => {
    const store = createRedisTaskStore({
      client: await deadClient(),
      prefix,
      logger: recorder().logger,
      timeoutMs: 200,
    });
    const server = createServer({ name: 'down', version: '1.0.0', tasks: { store } })
      .tool('work', { description: 'Would run as a task', taskSupport: 'optional', handler: () => 'never' })
      .build();
    const handler = server.fetchHandler({ allowedHosts: [] });
    const send = async (method: string, params: Record<string, unknown>) => {
      const response = await handler(
        new Request('http://127.0.0.1/mcp', {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            'mcp-protocol-version': '2026-07-28',
            'mcp-method': method,
            'mcp-name': String(params.name ?? params.taskId),
          },
          body: JSON.stringify({
            jsonrpc: '2.0',
            id: 1,
            method,
            params: {
              ...params,
              _meta: {
                'io.modelcontextprotocol/protocolVersion': '2026-07-28',
                'io.modelcontextprotocol/clientInfo': { name: 'outage-test', version: '1.0.0' },
                'io.modelcontextprotocol/clientCapabilities': { extensions: { [TASKS_EXTENSION]: {} } },
              },
            },
          }),
        }),
      );
      return (await response.json()) as { result?: Record<string, unknown>; error?: Record<string, unknown> };
    };
    const message = await send('tools/call', { name: 'work', arguments: {} });
    expect(message.result?.isError).toBe(true);
    expect(message.result?.structuredContent).toMatchObject({
      error: { code: 'UPSTREAM_UNAVAILABLE', retryable: true },
    });
    const polled = await send('tasks/get', { taskId: 'any' });
    expect(polled.error).toMatchObject({
      code: -32603,
      data: { code: 'UPSTREAM_UNAVAILABLE', retryable: true, details: { store: 'Redis task store' } },
    });
    await store.close();
  });

  it('logs once when an outage starts and once when it ends, and works again after it', async () => {
    const proxy = await proxyToRedis();
    const client = await proxiedClient(proxy.port);
    const { logger, lines } = recorder();
    const store = createRedisTaskStore({ client, prefix, logger, timeoutMs: 300 });
    try {
      await store.create({ taskId: 'kept', owner: 'o', tool: 'work', ttlMs: 60_000 });
      proxy.cut();
      for (let i = 0; i < 3; i++) await expect(store.get('kept', 'o')).rejects.toMatchObject(UNAVAILABLE);
      proxy.restore();
      let task: unknown;
      for (let i = 0; i < 100 && task === undefined; i++) {
        task = await store.get('kept', 'o').catch(() => undefined);
        if (task === undefined) await new Promise((r) => setTimeout(r, 20));
      }
      expect(task).toMatchObject({ status: 'working' });
      expect(lines.filter((line) => line.level === 'warn')).toHaveLength(1);
      expect(lines.filter((line) => line.level === 'info').map((line) => line.msg)).toEqual([
        'Redis task store: Redis answers again',
      ]);
    } finally {
      await store.close();
      await proxy.close();
    }
  });

  it('hears, after its subscriber reconnects, a cancel sent while it was cut off', async () => {
    const proxy = await proxyToRedis();
    const client = await proxiedClient(proxy.port);
    const cutOff = createRedisTaskStore({ client, prefix, logger: recorder().logger, timeoutMs: 300 });
    const other = createRedisTaskStore({ client: await connectRedis(), prefix, logger: recorder().logger });
    try {
      await cutOff.create({ taskId: 'missed', owner: 'o', tool: 'work', ttlMs: 60_000 });
      const heard: string[] = [];
      cutOff.watch('missed', (signal) => heard.push(signal.kind));
      proxy.cut();
      expect(await other.cancel('missed', 'o')).toBe(true);
      await new Promise((r) => setTimeout(r, 50));
      expect(heard).toEqual([]);
      proxy.restore();
      await heardSomething(heard);
      expect(heard).toEqual(['cancelled']);
    } finally {
      await cutOff.close();
      await other.close();
      await proxy.close();
    }
  });
  it('hears, after its subscriber reconnects, answers taken while it was cut off', async () => {
    const proxy = await proxyToRedis();
    const client = await proxiedClient(proxy.port);
    const cutOff = createRedisTaskStore({ client, prefix, logger: recorder().logger, timeoutMs: 300 });
    const other = createRedisTaskStore({ client: await connectRedis(), prefix, logger: recorder().logger });
    try {
      await cutOff.create({ taskId: 'asked', owner: 'o', tool: 'work', ttlMs: 60_000 });
      await cutOff.requestInput('asked', {
        'elicitation-0': {
          method: 'elicitation/create',
          params: { message: 'Go?', requestedSchema: { type: 'object', properties: {} } },
        },
      });
      const heard: unknown[] = [];
      cutOff.watch('asked', (signal) => heard.push(signal));
      proxy.cut();
      const answer = { action: 'accept', content: { ok: true } };
      expect(await other.answer('asked', 'o', { 'elicitation-0': answer })).toBe(true);
      await new Promise((r) => setTimeout(r, 50));
      expect(heard).toEqual([]);
      proxy.restore();
      await heardSomething(heard);
      expect(heard).toEqual([{ kind: 'answered', answers: { 'elicitation-0': answer } }]);
    } finally {
      await cutOff.close();
      await other.close();
      await proxy.close();
    }
  });

  it('does not judge a task orphaned just after its own outage, when every heartbeat lapsed together', async () => {
    const proxy = await proxyToRedis();
    const options = { prefix, logger: recorder().logger, timeoutMs: 200, heartbeatMs: 300 };
    const runner = createRedisTaskStore({ client: await proxiedClient(proxy.port), ...options });
    const reader = createRedisTaskStore({ client: await proxiedClient(proxy.port), ...options });
    try {
      await runner.create({ taskId: 'alive', owner: 'o', tool: 'work', ttlMs: 60_000 });
      proxy.cut();
      await expect(reader.get('alive', 'o')).rejects.toMatchObject(UNAVAILABLE);
      await new Promise((r) => setTimeout(r, 450)); // longer than the heartbeat: the key lapsed
      proxy.restore();
      let task: unknown;
      for (let i = 0; i < 100 && task === undefined; i++) {
        task = await reader.get('alive', 'o').catch(() => undefined);
        if (task === undefined) await new Promise((r) => setTimeout(r, 10));
      }
      expect(task).toMatchObject({ status: 'working' });
      // The runner beats again within a third of heartbeatMs; past the hold-off it is judged alive.
      await new Promise((r) => setTimeout(r, 350));
      expect(await reader.get('alive', 'o')).toMatchObject({ status: 'working' });
    } finally {
      await runner.close();
      await reader.close();
      await proxy.close();
    }
  });

  it('stops the handler of an instance that was only cut off, once it hears its task was failed as orphaned', async () => {
    const proxy = await proxyToRedis();
    const options = { prefix, logger: recorder().logger, timeoutMs: 200, heartbeatMs: 300 };
    const cutOff = createRedisTaskStore({ client: await proxiedClient(proxy.port), ...options });
    const reader = createRedisTaskStore({ client: await connectRedis(), ...options });
    try {
      await cutOff.create({ taskId: 'partitioned', owner: 'o', tool: 'work', ttlMs: 60_000 });
      const heard: string[] = [];
      cutOff.watch('partitioned', (signal) => heard.push(signal.kind));
      proxy.cut();
      await new Promise((r) => setTimeout(r, 450));
      expect(await reader.get('partitioned', 'o')).toMatchObject({ status: 'failed' });
      proxy.restore();
      await heardSomething(heard);
      expect(heard).toEqual(['cancelled']);
    } finally {
      await cutOff.close();
      await reader.close();
      await proxy.close();
    }
  });
});
