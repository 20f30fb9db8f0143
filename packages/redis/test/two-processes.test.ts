import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeClients, connectRedis, deleteKeys, REDIS_URL, testPrefix } from './support/redis.js';
import { killServerProcesses, type ServerProcess, startServerProcess } from './support/server-process.js';

// Two server processes (fixtures/task-server.mjs, from the built packages) on one real Redis,
// as two replicas behind a load balancer: a task created on A is read, answered and cancelled
// through B, and B reports A's task failed once A is killed and its heartbeat lapses.

const prefix = testPrefix('processes');
const heartbeatMs = 500;
let a: ServerProcess;
let b: ServerProcess;

async function until(server: ServerProcess, taskId: unknown, status: string, everyMs = 10, tries = 500) {
  for (let i = 0; i < tries; i++) {
    const task = await server.request('tasks/get', { taskId });
    if (task.status === status) return task;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`task ${String(taskId)} never reached ${status}`);
}

beforeAll(async () => {
  await connectRedis(); // fails loudly, with how to start Redis, when it is not there
  const env = { REDIS_URL, TASK_PREFIX: prefix, HEARTBEAT_MS: String(heartbeatMs) };
  [a, b] = await Promise.all([
    startServerProcess({ ...env, NAME: 'a' }),
    startServerProcess({ ...env, NAME: 'b' }),
  ]);
});

afterAll(async () => {
  await killServerProcesses();
  const admin = await connectRedis();
  await deleteKeys(admin, prefix);
  await closeClients();
});

describe('tasks across two server processes on one Redis', () => {
  it('runs two separate processes', () => {
    expect(a.child.pid).not.toBe(b.child.pid);
    expect(a.url).not.toBe(b.url);
  });

  it('resumes the handler in A with the answer sent through B, and B hands out the result', async () => {
    const created = await a.request('tools/call', { name: 'confirm', arguments: {} });
    expect(created.status).toBe('working');
    const waiting = await until(b, created.taskId, 'input_required');
    const [key] = Object.keys(waiting.inputRequests as object);
    expect(key).toBeDefined();
    await b.request('tasks/update', {
      taskId: created.taskId,
      inputResponses: { [key as string]: { action: 'accept', content: { ok: true } } },
    });
    const answered = await a.next((e) => e.event === 'answered' && e.taskId === created.taskId);
    expect(answered.answer).toEqual({ action: 'accept', content: { ok: true } });
    const done = await until(b, created.taskId, 'completed');
    expect(done.result).toMatchObject({ content: [{ type: 'text', text: 'went ahead on a' }] });
  });

  it('aborts the handler running in A when the task is cancelled through B', async () => {
    const created = await a.request('tools/call', { name: 'work', arguments: { ms: 60_000 } });
    await a.next((e) => e.event === 'started' && e.taskId === created.taskId);
    expect((await b.request('tasks/get', { taskId: created.taskId })).status).toBe('working');
    const sentAt = performance.now();
    await b.request('tasks/cancel', { taskId: created.taskId });
    const aborted = await a.next((e) => e.event === 'aborted' && e.taskId === created.taskId);
    console.info(`cancel through B → abort seen in A's process: ${(aborted.at - sentAt).toFixed(1)} ms`);
    expect(aborted.reason).toBe('The task was cancelled by the client.');
    expect(b.events.some((e) => e.event === 'aborted')).toBe(false);
    expect((await a.request('tasks/get', { taskId: created.taskId })).status).toBe('cancelled');
    expect((await b.request('tasks/get', { taskId: created.taskId })).status).toBe('cancelled');
  });

  it('reports, through B, the task of a killed A as failed with a retryable error within heartbeat + 1 s', async () => {
    const created = await a.request('tools/call', { name: 'work', arguments: { ms: 60_000 } });
    await a.next((e) => e.event === 'started' && e.taskId === created.taskId);
    // Alive past several heartbeats: the task is still working.
    await new Promise((r) => setTimeout(r, heartbeatMs * 2));
    expect((await b.request('tasks/get', { taskId: created.taskId })).status).toBe('working');
    const exited = new Promise((resolve) => a.child.once('exit', resolve));
    a.child.kill('SIGKILL');
    const killedAt = performance.now();
    expect(await exited).toBeNull(); // killed by the signal: no exit code
    const failed = await until(b, created.taskId, 'failed', 20);
    const elapsed = performance.now() - killedAt;
    console.info(`SIGKILL of A → failed through B: ${elapsed.toFixed(0)} ms (heartbeat ${heartbeatMs} ms)`);
    expect(elapsed).toBeLessThan(heartbeatMs + 1_000);
    expect(failed.error).toMatchObject({
      code: -32603,
      data: { code: 'UPSTREAM_UNAVAILABLE', retryable: true },
    });
    expect(failed.statusMessage).toBe('The server instance running the task stopped before it finished.');
  });
});
