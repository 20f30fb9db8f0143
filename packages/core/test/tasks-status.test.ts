import { createServer, META, TASKS_EXTENSION } from '@mcpkit/core';
import { serveForTest, type TestServer } from '@mcpkit/testing';
import { TaskStatusNotificationV2Schema } from '@modelcontextprotocol/ext-tasks/core/v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { postModern, SseReader, type WireMessage } from './fixtures/http-wire.js';

// The Tasks extension's status notifications in the 2026-07-28 era: a `subscriptions/listen`
// stream that lists task ids hears `notifications/tasks` with each change of those tasks, as
// `tasks/get` would show it, and only for tasks of its own caller.

const DECLARED = { extensions: { [TASKS_EXTENSION]: {} }, elicitation: {} };
let test: TestServer;
const readers: SseReader[] = [];

beforeAll(async () => {
  const server = createServer({ name: 'status', version: '1.0.0', tasks: { pollIntervalMs: 50 } })
    // The caller named by `x-user`, verified at the edge so every request of the exchange has it.
    .guard((req) => {
      const user = req.headers['x-user'];
      return user === undefined ? undefined : { auth: { subject: user, scopes: [] } };
    })
    .tool('approve_refund', {
      description: 'Asks for approval, reports progress, then refunds',
      input: z.object({ amount: z.number() }),
      taskSupport: 'required',
      handler: async ({ amount }, ctx) => {
        const answer = (await ctx.elicit({
          message: `Refund ${amount}?`,
          requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] },
        })) as { content?: { ok?: boolean } };
        if (answer.content?.ok !== true) return 'not refunded';
        ctx.progress(1, 2, 'Contacting the bank');
        return `refunded ${amount}`;
      },
    })
    .build();
  test = await serveForTest(server);
});

afterAll(async () => {
  for (const reader of readers) await reader.cancel();
  await test.close();
});

async function call(method: string, params: Record<string, unknown>, user = 'ann') {
  const response = await postModern(test.url, 1, method, params, {
    capabilities: DECLARED,
    headers: {
      'x-user': user,
      ...(method.startsWith('tasks/') ? { 'mcp-name': String(params.taskId) } : {}),
    },
  });
  const body = (await response.json()) as WireMessage;
  if (body.error) throw new Error(body.error.message);
  return body.result as Record<string, unknown>;
}

async function listen(taskIds: unknown[], user = 'ann', capabilities: Record<string, unknown> = DECLARED) {
  const response = await postModern(
    test.url,
    900,
    'subscriptions/listen',
    { notifications: { taskIds } },
    { capabilities, headers: { 'x-user': user } },
  );
  expect(response.status).toBe(200);
  const reader = new SseReader(response);
  readers.push(reader);
  return reader;
}

describe('task status notifications on subscriptions/listen', () => {
  it("sends each change of a listed task, in the extension's shape, until it ends", async () => {
    const created = await call('tools/call', { name: 'approve_refund', arguments: { amount: 1200 } });
    const taskId = created.taskId as string;
    const stream = await listen([taskId]);
    const ack = await stream.nextMessage();
    expect(ack).toMatchObject({
      method: 'notifications/subscriptions/acknowledged',
      params: { notifications: { taskIds: [taskId] }, _meta: { [META.subscriptionId]: 900 } },
    });

    // Polling until the question is asked; the stream tells the same thing.
    let task = await call('tasks/get', { taskId });
    for (let i = 0; task.status !== 'input_required' && i < 100; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      task = await call('tasks/get', { taskId });
    }
    const [key] = Object.keys(task.inputRequests as object);
    await call('tasks/update', {
      taskId,
      inputResponses: { [key as string]: { action: 'accept', content: { ok: true } } },
    });

    const seen: WireMessage[] = [];
    while (seen.at(-1)?.params?.status !== 'completed') {
      const message = await stream.nextMessage();
      if (message === undefined) break;
      seen.push(message);
    }
    for (const message of seen) {
      expect(message.method).toBe('notifications/tasks');
      expect(TaskStatusNotificationV2Schema.safeParse(message).success).toBe(true);
      expect(message.params).toMatchObject({ taskId, _meta: { [META.subscriptionId]: 900 } });
    }
    const statuses = seen.map((m) => m.params?.status);
    // The question may have been asked before the stream opened; everything after it is heard.
    expect(statuses.slice(-2)).toEqual(['working', 'completed']);
    expect(seen.at(-1)?.params).toMatchObject({
      result: { content: [{ type: 'text', text: 'refunded 1200' }] },
    });
    // Each state once: no duplicate of the final one.
    expect(statuses.filter((s) => s === 'completed')).toHaveLength(1);
  });

  it('hears a cancel once, and stays silent for the tasks it did not list', async () => {
    const listed = (await call('tools/call', { name: 'approve_refund', arguments: { amount: 5 } }))
      .taskId as string;
    const other = (await call('tools/call', { name: 'approve_refund', arguments: { amount: 6 } }))
      .taskId as string;
    const stream = await listen([listed]);
    await stream.nextMessage(); // acknowledgement
    await call('tasks/cancel', { taskId: other });
    await call('tasks/cancel', { taskId: listed });
    const first = await stream.nextMessage();
    expect(first?.params).toMatchObject({ taskId: listed, status: 'cancelled' });
    await expect(stream.nextMessage(300)).rejects.toThrow();
  });

  it("never tells another caller about a task, even when it lists the task's id", async () => {
    const taskId = (await call('tools/call', { name: 'approve_refund', arguments: { amount: 7 } }, 'ann'))
      .taskId as string;
    const eavesdropper = await listen([taskId], 'bob');
    const owner = await listen([taskId], 'ann');
    await eavesdropper.nextMessage(); // acknowledgement (it names the id it was given, nothing more)
    await owner.nextMessage();
    await call('tasks/cancel', { taskId }, 'ann');
    expect((await owner.nextMessage())?.params).toMatchObject({ taskId, status: 'cancelled' });
    await expect(eavesdropper.nextMessage(300)).rejects.toThrow();
  });

  it('ignores taskIds for a client that did not declare the extension, and bounds the list', async () => {
    const undeclared = await listen(['a', 'b'], 'ann', { elicitation: {} });
    const ack = await undeclared.nextMessage();
    expect(ack?.params?.notifications).toEqual({});
    const many = Array.from({ length: 1_500 }, (_, i) => `task-${i}`);
    const bounded = await listen([...many, 'task-1', 7], 'ann');
    const accepted = (await bounded.nextMessage())?.params?.notifications as { taskIds: string[] };
    expect(accepted.taskIds).toHaveLength(1_000);
    expect(accepted.taskIds[0]).toBe('task-0');
  });
});
