import { createMemoryTaskStore, createServer, TASKS_EXTENSION, type TaskStore } from '@mcpkit/core';
import { createTestClient, type TestClient } from '@mcpkit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';

// maxTasksPerOwner of the memory store, through the official client (legacy era, where the
// extension's requests go as plain requests): one caller holding its share of tasks is refused
// with a retryable RATE_LIMITED, and every other caller still gets tasks.

const ANY = z.looseObject({});
const clients: TestClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
});

function server(store: TaskStore) {
  return createServer({ name: 'owner-limit', version: '1.0.0', tasks: { store, ttlMs: 60_000 } })
    .use(async (ctx, next) => {
      const user = ctx.headers['x-user'];
      if (user !== undefined) ctx.auth = { subject: user, scopes: [] };
      return next();
    })
    .tool('work', {
      description: 'Works until cancelled',
      taskSupport: 'optional',
      handler: (_args, ctx) =>
        new Promise<string>((_, reject) => {
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason));
        }),
    })
    .build();
}

async function caller(built: ReturnType<typeof server>, user?: string) {
  const client = await createTestClient(built, {
    era: 'legacy',
    capabilities: { extensions: { [TASKS_EXTENSION]: {} } } as never,
    headers: user === undefined ? {} : { 'x-user': user },
  });
  clients.push(client);
  return (method: string, params: Record<string, unknown>) =>
    client.client.request({ method, params } as never, ANY) as Promise<Record<string, unknown>>;
}

describe('maxTasksPerOwner (memory store)', () => {
  it("refuses an owner's task past its share with a retryable RATE_LIMITED, and still serves other owners", async () => {
    let now = 1_000_000;
    const built = server(createMemoryTaskStore({ maxTasksPerOwner: 2, now: () => now }));
    const ada = await caller(built, 'ada');
    const grace = await caller(built, 'grace');
    const first = await ada('tools/call', { name: 'work', arguments: {} });
    now += 10_000;
    await ada('tools/call', { name: 'work', arguments: {} });
    const refused = await ada('tools/call', { name: 'work', arguments: {} });
    expect(refused.isError).toBe(true);
    expect(refused).not.toHaveProperty('taskId');
    expect(refused.structuredContent).toMatchObject({
      error: {
        code: 'RATE_LIMITED',
        retryable: true,
        // Her first task expires 60 s after it was created, 10 s ago.
        retryAfterMs: 50_000,
        hint: expect.stringContaining('maxTasksPerOwner'),
      },
    });
    expect((await grace('tools/call', { name: 'work', arguments: {} })).status).toBe('working');

    // A cancelled (finished) task still holds its place until its ttlMs passes: it keeps its result.
    await ada('tasks/cancel', { taskId: first.taskId });
    expect((await ada('tools/call', { name: 'work', arguments: {} })).isError).toBe(true);
    now += 50_000;
    expect((await ada('tools/call', { name: 'work', arguments: {} })).status).toBe('working');
  });

  it('counts every anonymous caller as one owner', async () => {
    const built = server(createMemoryTaskStore({ maxTasksPerOwner: 1 }));
    const [one, other] = [await caller(built), await caller(built)];
    expect((await one('tools/call', { name: 'work', arguments: {} })).status).toBe('working');
    const refused = await other('tools/call', { name: 'work', arguments: {} });
    expect(refused.structuredContent).toMatchObject({ error: { code: 'RATE_LIMITED', retryable: true } });
  });
});
