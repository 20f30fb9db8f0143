import { randomBytes } from 'node:crypto';
import { McpkitError, silentLogger } from '@mcpkit/core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createRedisTaskStore, type RedisTaskStore } from '../src/index.js';
import { closeClients, connectRedis, deleteKeys, testPrefix } from './support/redis.js';

// maxTasksPerOwner of the Redis store: counted in Redis, so two instances share one count per
// owner, and a burst of creates racing across them never lets an owner past its share.

const prefix = testPrefix('owner');
const stores: RedisTaskStore[] = [];
let offset = 0;
// Real time plus what a test skipped, so Redis's own expiry of the index stays in the future.
const now = () => Date.now() + offset;

async function instance(maxTasksPerOwner: number): Promise<RedisTaskStore> {
  const store = createRedisTaskStore({
    client: await connectRedis(),
    prefix,
    logger: silentLogger,
    maxTasksPerOwner,
    now,
  });
  stores.push(store);
  return store;
}

const id = () => randomBytes(18).toString('base64url');
const task = (owner: string, ttlMs: number | null = 60_000) => ({ taskId: id(), owner, tool: 'work', ttlMs });

async function refusal(promise: Promise<unknown>): Promise<McpkitError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(McpkitError);
  return error as McpkitError;
}

afterEach(async () => {
  offset = 0;
  for (const store of stores.splice(0)) await store.close();
});
afterAll(async () => {
  const admin = await connectRedis();
  await deleteKeys(admin, prefix);
  await closeClients();
});

describe('maxTasksPerOwner (Redis store)', () => {
  it("shares one owner's count between two instances, and refuses past it with a retryable RATE_LIMITED", async () => {
    const [a, b] = [await instance(2), await instance(2)];
    const owner = `ada-${id()}`;
    await a.create(task(owner));
    offset += 10_000;
    await b.create(task(owner));
    for (const store of [a, b]) {
      const error = await refusal(store.create(task(owner)));
      expect(error).toMatchObject({
        code: 'RATE_LIMITED',
        retryable: true,
        details: { maxTasksPerOwner: 2 },
      });
      // The first task expires 60 s after its creation, 10 s ago.
      expect(error.retryAfterMs).toBeGreaterThan(49_000);
      expect(error.retryAfterMs).toBeLessThanOrEqual(50_000);
      expect(error.hint).toContain('maxTasksPerOwner');
    }
    // Another owner is not affected.
    await expect(b.create(task(`grace-${id()}`))).resolves.toMatchObject({ status: 'working' });
    // Once the first task's ttlMs passed, its place is free again, on either instance.
    offset += 50_000;
    await expect(b.create(task(owner))).resolves.toMatchObject({ status: 'working' });
    await refusal(a.create(task(owner)));
  });

  it('lets exactly the cap through from a burst of creates racing across two instances', async () => {
    const [a, b] = [await instance(5), await instance(5)];
    const owner = `burst-${id()}`;
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? a : b).create(task(owner))),
    );
    const created = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter(
      (r) => r.status === 'rejected' && (r.reason as McpkitError).code === 'RATE_LIMITED',
    );
    expect([created.length, refused.length]).toEqual([5, 25]);
  });

  it('gives the place back when the task id was taken, and counts a task with no ttlMs too', async () => {
    const a = await instance(2);
    const owner = `conflict-${id()}`;
    const first = task(owner, null);
    await a.create(first);
    const error = await refusal(a.create({ ...first }));
    expect(error.code).toBe('CONFLICT');
    await a.create(task(owner));
    expect((await refusal(a.create(task(owner)))).code).toBe('RATE_LIMITED');
  });

  it('keeps no identity in key names', async () => {
    const a = await instance(3);
    const owner = `secret-subject-${id()}`;
    await a.create(task(owner));
    const admin = await connectRedis();
    const keys = await admin.keys(`${prefix}owner:*`);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(key).not.toContain('secret-subject');
  });

  it('refuses a maxTasksPerOwner below 1 with a coded error', async () => {
    const client = await connectRedis();
    expect(() => createRedisTaskStore({ client, maxTasksPerOwner: 0 })).toThrow(McpkitError);
  });
});
