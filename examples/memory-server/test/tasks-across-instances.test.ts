import { randomBytes } from 'node:crypto';
import { connectTaskRequester, serveForTest, type TaskRequester, type TestServer } from '@mcpkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMemoryConfig } from '../src/config.js';
import { type ConfiguredMemoryServer, openFromConfig } from '../src/open-from-config.js';
import { POSTGRES_URL } from './support/databases.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

// Configured with REDIS_URL, every instance keeps import tasks in the same Redis: a client behind
// a load balancer may start a task on one instance and poll or cancel it through another.
describe('import_memories tasks across instances configured with REDIS_URL', () => {
  const secret = randomBytes(24).toString('base64url');
  const opened: ConfiguredMemoryServer[] = [];
  const served: TestServer[] = [];
  const requesters: TaskRequester[] = [];
  const headers = { 'x-api-key': 'key-acme' };

  const instance = async (redis: boolean) => {
    const config = loadMemoryConfig({
      env: {
        DATABASE_URL: POSTGRES_URL,
        MEMORY_API_KEYS: 'acme:key-acme',
        ...(redis ? { REDIS_URL, RECALL_CURSOR_SECRET: secret } : {}),
      },
      exit: false,
    });
    const memory = await openFromConfig(config);
    opened.push(memory);
    const server = await serveForTest(memory.memory.server);
    served.push(server);
    const requester = await connectTaskRequester('modern', server.url, {
      headers,
      clientName: 'memory-test',
    });
    requesters.push(requester);
    return requester;
  };

  let a: TaskRequester;
  let b: TaskRequester;
  let alone: TaskRequester;
  beforeAll(async () => {
    a = await instance(true);
    b = await instance(true);
    alone = await instance(false);
  });
  afterAll(async () => {
    for (const requester of requesters) await requester.close();
    for (const server of served) await server.close();
    for (const memory of opened) await memory.close();
  });

  it('finds a task started on another instance, and not one kept in another process', async () => {
    const key = randomBytes(6).toString('hex');
    const items = Array.from({ length: 3 }, (_, i) => ({
      content: `fact ${i} imported across instances ${key}`,
      clientKey: `${key}-${i}`,
    }));
    const started = await a.start('import_memories', { items });
    const ended = await started.settled;
    expect(ended.status).toBe('completed');
    // Instance B reads the task from Redis: its status message is the import's last progress.
    await expect(b.statusMessage(started.taskId)).resolves.toBe('stored 3 of 3');

    const local = await alone.start('import_memories', {
      items: items.map((item) => ({ ...item, clientKey: `${item.clientKey}-local` })),
    });
    await local.settled;
    const refused = await a.statusMessage(local.taskId).then(
      () => undefined,
      (error: unknown) => error,
    );
    // The requester's error carries the server's JSON-RPC answer: the extension's not-found error.
    expect(refused).toMatchObject({
      response: { error: { code: -32602, message: 'Failed to retrieve task: Task not found.' } },
    });
  });
});
