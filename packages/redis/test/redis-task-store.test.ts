import { randomBytes } from 'node:crypto';
import { type InputRequestSpec, McpkitError, silentLogger, type TaskSignal } from '@mcpkit/core';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRedisTaskStore, type RedisTaskStore } from '../src/index.js';
import { closeClients, connectRedis, deleteKeys, testPrefix } from './support/redis.js';

// The TaskStore contract against a real Redis, case for case with the memory store, plus what
// only a shared store has: expiry by Redis itself and signals heard by another instance.

const prefix = testPrefix('store');
const ELICIT: InputRequestSpec = {
  method: 'elicitation/create',
  params: { message: 'Go ahead?', requestedSchema: { type: 'object', properties: {} } },
};
const ACCEPT = { action: 'accept', content: { ok: true } };
let admin: Redis;
const stores: RedisTaskStore[] = [];

async function store(options: { now?: () => number; nullTtlMs?: number } = {}): Promise<RedisTaskStore> {
  const made = createRedisTaskStore({
    client: await connectRedis(),
    prefix,
    logger: silentLogger,
    ...options,
  });
  stores.push(made);
  return made;
}

const id = () => randomBytes(18).toString('base64url');

function signals(s: RedisTaskStore, taskId: string): TaskSignal[] {
  const heard: TaskSignal[] = [];
  s.watch(taskId, (signal) => heard.push(signal));
  return heard;
}

async function until(check: () => boolean, ms = 1_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

beforeAll(async () => {
  admin = await connectRedis();
});
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});
afterAll(async () => {
  await deleteKeys(admin, prefix);
  await closeClients();
});

describe('createRedisTaskStore', () => {
  it('refuses to be built without a client, with a coded error', () => {
    expect(() => createRedisTaskStore({ client: undefined as never })).toThrow(McpkitError);
  });

  it('creates a working task that another instance reads, with the same fields', async () => {
    const [a, b] = [await store(), await store()];
    const taskId = id();
    const created = await a.create({
      taskId,
      owner: 'ada',
      tool: 'work',
      ttlMs: 60_000,
      pollIntervalMs: 250,
    });
    expect(created).toMatchObject({ taskId, owner: 'ada', tool: 'work', status: 'working', ttlMs: 60_000 });
    expect(await b.get(taskId, 'ada')).toEqual(created);
    const pttl = await admin.pttl(`${prefix}${taskId}`);
    expect(pttl).toBeGreaterThan(59_000);
    expect(pttl).toBeLessThanOrEqual(60_000);
  });

  it('shows a task to its owner only: another owner gets what an unknown id gets', async () => {
    const s = await store();
    const taskId = id();
    await s.create({ taskId, owner: 'ada', tool: 'work', ttlMs: 60_000 });
    await s.requestInput(taskId, { 'elicitation-0': ELICIT });
    for (const probe of [taskId, id()]) {
      expect(await s.get(probe, 'grace')).toBeUndefined();
      expect(await s.answer(probe, 'grace', { 'elicitation-0': ACCEPT })).toBe(false);
      expect(await s.cancel(probe, 'grace')).toBe(false);
    }
    expect(await s.get(taskId, 'ada')).toMatchObject({ status: 'input_required' });
  });

  it('forgets a task once its ttlMs has passed, by its clock and by Redis expiry', async () => {
    let now = 1_000_000;
    const s = await store({ now: () => now });
    const t1 = id();
    await s.create({ taskId: t1, owner: 'o', tool: 'work', ttlMs: 1_000 });
    now += 999;
    expect(await s.get(t1, 'o')).toBeDefined();
    now += 1;
    expect(await s.get(t1, 'o')).toBeUndefined();

    const real = await store();
    const taskId = id();
    await real.create({ taskId, owner: 'o', tool: 'work', ttlMs: 30 });
    await new Promise((r) => setTimeout(r, 60));
    expect(await admin.exists(`${prefix}${taskId}`)).toBe(0);
    expect(await real.get(taskId, 'o')).toBeUndefined();
  });

  it('keeps a task with ttlMs null for nullTtlMs in Redis, and reports ttlMs null', async () => {
    const s = await store({ nullTtlMs: 5_000 });
    const taskId = id();
    await s.create({ taskId, owner: 'o', tool: 'work', ttlMs: null });
    expect((await s.get(taskId, 'o'))?.ttlMs).toBeNull();
    const pttl = await admin.pttl(`${prefix}${taskId}`);
    expect(pttl).toBeGreaterThan(4_000);
    expect(pttl).toBeLessThanOrEqual(5_000);
  });

  it('takes valid answers for outstanding keys only, and is working again when none remain', async () => {
    const [a, b] = [await store(), await store()];
    const taskId = id();
    await a.create({ taskId, owner: 'o', tool: 'work', ttlMs: 60_000 });
    const heard = signals(a, taskId);
    await a.requestInput(taskId, { 'elicitation-0': ELICIT, 'elicitation-1': ELICIT });
    expect(await b.get(taskId, 'o')).toMatchObject({
      status: 'input_required',
      inputRequests: { 'elicitation-0': ELICIT, 'elicitation-1': ELICIT },
    });
    // A malformed answer and an unasked key are ignored; the well-formed one is taken.
    expect(
      await b.answer(taskId, 'o', {
        'elicitation-0': ACCEPT,
        'elicitation-1': { action: 'maybe' },
        'not-asked': ACCEPT,
      }),
    ).toBe(true);
    const partial = await b.get(taskId, 'o');
    expect(partial?.status).toBe('input_required');
    expect(Object.keys(partial?.inputRequests ?? {})).toEqual(['elicitation-1']);
    // Answering a key twice changes nothing and sends nothing.
    expect(await b.answer(taskId, 'o', { 'elicitation-0': ACCEPT })).toBe(true);
    expect(await b.answer(taskId, 'o', { 'elicitation-1': { action: 'decline' } })).toBe(true);
    // Read right after the acknowledgement, through either instance: the new state is there.
    expect(await b.get(taskId, 'o')).toMatchObject({ status: 'working', inputRequests: {} });
    expect(await a.get(taskId, 'o')).toMatchObject({ status: 'working' });
    await until(() => heard.length === 2);
    expect(heard).toEqual([
      { kind: 'answered', answers: { 'elicitation-0': ACCEPT } },
      { kind: 'answered', answers: { 'elicitation-1': { action: 'decline' } } },
    ]);
  });

  it('settles a running task once: a second settle and a settle after cancel change nothing', async () => {
    const s = await store();
    const done = id();
    await s.create({ taskId: done, owner: 'o', tool: 'work', ttlMs: 60_000 });
    await s.setStatusMessage(done, 'half way');
    await s.settle(done, { status: 'completed', result: { content: [], structuredContent: { n: 1.5 } } });
    await s.settle(done, { status: 'failed', error: { code: -32603, message: 'late' } });
    await s.setStatusMessage(done, 'too late');
    expect(await s.get(done, 'o')).toMatchObject({
      status: 'completed',
      statusMessage: 'half way',
      result: { content: [], structuredContent: { n: 1.5 } },
    });
    expect((await s.get(done, 'o'))?.error).toBeUndefined();

    const failed = id();
    await s.create({ taskId: failed, owner: 'o', tool: 'work', ttlMs: 60_000 });
    await s.requestInput(failed, { 'elicitation-0': ELICIT });
    await s.settle(failed, {
      status: 'failed',
      error: { code: -32603, message: 'Broke.', data: { why: 'x' } },
      statusMessage: 'Broke.',
    });
    expect(await s.get(failed, 'o')).toMatchObject({
      status: 'failed',
      statusMessage: 'Broke.',
      inputRequests: {},
      error: { code: -32603, message: 'Broke.', data: { why: 'x' } },
    });

    const cancelled = id();
    await s.create({ taskId: cancelled, owner: 'o', tool: 'work', ttlMs: 60_000 });
    expect(await s.cancel(cancelled, 'o')).toBe(true);
    await s.settle(cancelled, { status: 'completed', result: { content: [] } });
    expect(await s.get(cancelled, 'o')).toMatchObject({ status: 'cancelled' });
  });

  it('cancels once: the task is cancelled, its requests dropped, and a repeat is acknowledged without change', async () => {
    const s = await store();
    const taskId = id();
    await s.create({ taskId, owner: 'o', tool: 'work', ttlMs: 60_000 });
    await s.requestInput(taskId, { 'elicitation-0': ELICIT });
    const heard = signals(s, taskId);
    expect(await s.cancel(taskId, 'o')).toBe(true);
    const first = await s.get(taskId, 'o');
    expect(first).toMatchObject({
      status: 'cancelled',
      statusMessage: 'Cancelled by the client.',
      inputRequests: {},
    });
    expect(await s.cancel(taskId, 'o')).toBe(true);
    expect(await s.answer(taskId, 'o', { 'elicitation-0': ACCEPT })).toBe(true);
    expect(await s.get(taskId, 'o')).toEqual(first);
    await until(() => heard.length === 1);
    await new Promise((r) => setTimeout(r, 30));
    expect(heard).toEqual([{ kind: 'cancelled' }]);

    const done = id();
    await s.create({ taskId: done, owner: 'o', tool: 'work', ttlMs: 60_000 });
    await s.settle(done, { status: 'completed', result: { content: [] } });
    expect(await s.cancel(done, 'o')).toBe(true);
    expect((await s.get(done, 'o'))?.status).toBe('completed');
  });

  it('lets exactly one of a racing settle and cancel win', async () => {
    const [a, b] = [await store(), await store()];
    for (let i = 0; i < 20; i++) {
      const taskId = id();
      await a.create({ taskId, owner: 'o', tool: 'work', ttlMs: 60_000 });
      const [, cancelled] = await Promise.all([
        a.settle(taskId, { status: 'completed', result: { content: [] } }),
        b.cancel(taskId, 'o'),
      ]);
      expect(cancelled).toBe(true);
      const task = await a.get(taskId, 'o');
      if (task?.status === 'completed') expect(task.statusMessage).toBeUndefined();
      else expect(task).toMatchObject({ status: 'cancelled', statusMessage: 'Cancelled by the client.' });
      expect(task?.result === undefined).toBe(task?.status === 'cancelled');
    }
  });

  it('tells a watcher on one instance, within 100 ms, that another instance cancelled its task', async () => {
    const [a, b] = [await store(), await store()];
    const taskId = id();
    await a.create({ taskId, owner: 'o', tool: 'work', ttlMs: 60_000 });
    let heardAt = 0;
    a.watch(taskId, (signal) => {
      if (signal.kind === 'cancelled') heardAt = performance.now();
    });
    const sentAt = performance.now();
    expect(await b.cancel(taskId, 'o')).toBe(true);
    await until(() => heardAt > 0, 100);
    expect(heardAt - sentAt).toBeLessThan(100);
  });

  it('stops telling a watcher once it unsubscribed', async () => {
    const [a, b] = [await store(), await store()];
    const taskId = id();
    await a.create({ taskId, owner: 'o', tool: 'work', ttlMs: 60_000 });
    const heard: TaskSignal[] = [];
    const stop = a.watch(taskId, (signal) => heard.push(signal));
    const other = signals(a, taskId);
    stop();
    await b.cancel(taskId, 'o');
    await until(() => other.length === 1);
    expect(heard).toEqual([]);
  });
});
