import { randomBytes } from 'node:crypto';
import { modernTaskDispatch, TASKS_CAPABILITY, type TestClient } from '@mcpkit/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Sandbox, startSandbox } from '../src/sandbox/sandbox-server.js';
import { assertNoLeaks, type Instance, KEYS, SECRETS, startInstance } from './support/harness.js';

/** The `_meta` envelope of a 2026-07-28 request from a client that declares the Tasks extension. */
const MODERN_TASK_META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'payments-test', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': TASKS_CAPABILITY,
};
/** One raw 2026-07-28 JSON-RPC message to `url` as the caller holding `key`. */
const rawDispatcher = (url: string, key: string) =>
  modernTaskDispatch(url, { headers: { 'x-api-key': key } });

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `mcpkit-test:payments:${randomBytes(4).toString('hex')}:`;

let sandbox: Sandbox;
const redis: Redis[] = [];
const instances: Instance[] = [];
const clients: TestClient[] = [];

async function connectRedis(): Promise<Redis> {
  const client = new Redis(REDIS_URL, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 1_000,
  });
  client.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`Redis is not reachable at ${REDIS_URL}; these tests need a real Redis.`)),
      3_000,
    );
    client.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  redis.push(client);
  return client;
}

beforeAll(async () => {
  sandbox = await startSandbox({ secretKey: SECRETS.secretKey, webhookSecret: SECRETS.webhookSecret });
  for (let i = 0; i < 2; i++) {
    const instance = await startInstance(sandbox, {
      redis: await connectRedis(),
      redisPrefix: prefix,
      threeDSecure: { pollIntervalMs: 10 },
    });
    await instance.payments.cache.ready();
    instances.push(instance);
    clients.push(await instance.connect({ era: i === 0 ? 'modern' : 'legacy', key: KEYS.unattended }));
  }
});

afterAll(async () => {
  for (const client of clients) await client.close();
  for (const instance of instances) {
    await instance.served.close();
    await instance.payments.close();
  }
  await sandbox.close();
  const keys = await redis[0]?.keys(`${prefix}*`);
  if (keys && keys.length > 0) await redis[0]?.del(...keys);
  for (const client of redis) client.disconnect();
  assertNoLeaks('cache coherence');
});

type Charge = { id: string; status: string; refunded_amount: number };
const get = async (client: TestClient, chargeId: string) =>
  (await client.callTool('get_charge', { chargeId })).structuredContent as Charge & { _meta?: unknown };

describe('cache coherence across two instances on one Redis', () => {
  it('never serves the pre-refund charge after a refund through the tool, on either instance', async () => {
    const [a, b] = clients as [TestClient, TestClient];
    let stale = 0;
    for (let round = 0; round < 20; round++) {
      const charge = (
        await a.callTool('create_charge', { amount: 10_000, currency: 'thb', card: 'tokn_test_visa' })
      ).structuredContent as Charge;
      // Both instances cache the charge before the refund.
      expect((await get(a, charge.id)).refunded_amount).toBe(0);
      expect((await get(b, charge.id)).refunded_amount).toBe(0);
      // The read is really cached: B answers the second read without the provider.
      const cached = await b.callTool('get_charge', { chargeId: charge.id });
      expect((cached._meta as Record<string, { status: string }>)['io.mcpkit/cache']?.status).toBe('hit');
      const refunder = round % 2 === 0 ? a : b;
      const refund = await refunder.callTool('create_refund', { chargeId: charge.id, amount: 10_000 });
      expect(refund.isError).toBeFalsy();
      for (const reader of [b, a]) {
        const after = await get(reader, charge.id);
        if (after.refunded_amount !== 10_000 || after.status !== 'refunded') stale += 1;
      }
    }
    console.log(`[acceptance 5] tool refunds: 20 rounds × 2 instances, ${stale} stale reads after refund`);
    expect(stale).toBe(0);
  });

  it('never serves the pre-refund charge after a refund made at the provider and announced by webhook', async () => {
    const [a, b] = clients as [TestClient, TestClient];
    const [, second] = instances as [Instance, Instance];
    sandbox.setWebhookUrl(`${second.served.origin}/webhooks/payments`);
    let stale = 0;
    for (let round = 0; round < 10; round++) {
      const charge = (
        await a.callTool('create_charge', { amount: 8_000, currency: 'thb', card: 'tokn_test_visa' })
      ).structuredContent as Charge;
      expect((await get(a, charge.id)).refunded_amount).toBe(0);
      expect((await get(b, charge.id)).refunded_amount).toBe(0);
      // Refunded in the provider's dashboard: the server learns of it only from the webhook (sent to instance B).
      const reply = sandbox.store.refund(charge.id, { amount: 8_000 });
      expect(await sandbox.deliver(reply.event as never)).toBe(200);
      for (const reader of [a, b]) {
        if ((await get(reader, charge.id)).refunded_amount !== 8_000) stale += 1;
      }
    }
    console.log(
      `[acceptance 5] webhook refunds: 10 rounds × 2 instances, ${stale} stale reads after the webhook`,
    );
    expect(stale).toBe(0);
  });
});

describe('3-D Secure tasks across two instances on one Redis', () => {
  it('follows a task created through one instance from the other: its status, then its result', async () => {
    const [a, b] = instances as [Instance, Instance];
    const throughA = rawDispatcher(a.served.url, KEYS.unattended);
    const throughB = rawDispatcher(b.served.url, KEYS.unattended);
    const created = await throughA({
      method: 'tools/call',
      params: {
        name: 'create_charge',
        arguments: { amount: 3000, currency: 'thb', card: 'tokn_test_3ds' },
        _meta: MODERN_TASK_META,
      },
    });
    expect(created.kind).toBe('result');
    const { taskId } = (created as Extract<typeof created, { kind: 'result' }>).result as { taskId: string };
    type Task = { status: string; statusMessage?: string; result?: { structuredContent?: Charge } };
    const get = async () => {
      const answer = await throughB({ method: 'tasks/get', params: { taskId, _meta: MODERN_TASK_META } });
      if (answer.kind !== 'result') throw new Error(`tasks/get failed: ${JSON.stringify(answer.error)}`);
      return answer.result as Task;
    };
    // B reads the task A runs; its status names the page the customer must visit.
    const waiting = await vi.waitFor(async () => {
      const task = await get();
      if (!task.statusMessage) throw new Error('no status yet');
      return task;
    });
    expect(waiting.status).toBe('working');
    const id = /for (chrg_test_\w+)/.exec(waiting.statusMessage as string)?.[1] as string;
    sandbox.completeThreeDSecure(id, 'authorized');
    const done = await vi.waitFor(async () => {
      const task = await get();
      if (task.status === 'working') throw new Error('still working');
      return task;
    });
    expect(done.status).toBe('completed');
    expect(done.result?.structuredContent).toMatchObject({ id, status: 'successful' });
  });
});
