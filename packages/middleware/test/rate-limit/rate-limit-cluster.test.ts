// Acceptance 5: one limit shared by two server instances through real Redis, and Redis-down policy.
import { createServer, silentLogger } from '@mcpkit/core';
import {
  connectTestClient,
  expectToolError,
  resultText,
  serveForTest,
  type TestServer,
} from '@mcpkit/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKey, createRedisRateLimitStore, hashApiKey, rateLimit } from '../../src/index.js';
import { connectRedis, deadPort, deleteKeys, testPrefix, unreachableRedis } from '../fixtures/redis.js';
import { postModern } from '../fixtures/wire.js';

const prefix = testPrefix('cluster');
const redisClients: Redis[] = [];
const servers: TestServer[] = [];

function instance(
  client: Parameters<typeof createRedisRateLimitStore>[0]['client'],
  failOpen = false,
  edge = false,
) {
  return createServer({ name: 'shared-limit', version: '1.0.0', logger: silentLogger })
    .use(
      apiKey({ keys: [{ hash: hashApiKey('caller-key'), subject: 'caller-1' }] }),
      rateLimit({
        by: 'caller',
        limit: 100,
        windowMs: 60_000,
        algorithm: 'sliding-window',
        store: createRedisRateLimitStore({ client, prefix, timeoutMs: 300 }),
        failOpen,
        edge,
        methods: ['tools/call'],
      }),
    )
    .tool('work', { description: 'Does a unit of work', handler: () => 'done' });
}

beforeAll(async () => {
  for (let i = 0; i < 2; i++) redisClients.push(await connectRedis());
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await deleteKeys(redisClients[0] as Redis, prefix);
  await Promise.all(redisClients.map((c) => c.quit()));
});

describe('rate limit across instances', () => {
  it('lets exactly 100 of 300 calls through two instances sharing Redis', async () => {
    const [a, b] = await Promise.all(redisClients.map((c) => serveForTest(instance(c))));
    servers.push(a as TestServer, b as TestServer);
    const clients = await Promise.all(
      [a, b].map((s) => connectTestClient((s as TestServer).url, { headers: { 'x-api-key': 'caller-key' } })),
    );
    let served = 0;
    let limited = 0;
    for (let batch = 0; batch < 30; batch++) {
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (clients[i % 2] as (typeof clients)[number]).callTool('work')),
      );
      for (const result of results) {
        if (!result.isError) served++;
        else if (expectToolError(result, 'RATE_LIMITED').retryAfterMs !== undefined) limited++;
      }
    }
    await Promise.all(clients.map((c) => c.close()));
    console.log(
      `rate-limit(2 instances, shared Redis, 100/min): 300 calls → ${served} served, ${limited} RATE_LIMITED`,
    );
    expect(Math.abs(served - 100)).toBeLessThanOrEqual(1);
    expect(served + limited).toBe(300);
  });

  it('with Redis down refuses with a coded error when failOpen is false and serves when true', async () => {
    const port = await deadPort();
    const outcomes: string[] = [];
    for (const failOpen of [false, true]) {
      const down = unreachableRedis(port);
      const server = await serveForTest(instance(down, failOpen));
      const client = await connectTestClient(server.url, { headers: { 'x-api-key': 'caller-key' } });
      const result = await client.callTool('work');
      if (failOpen) {
        expect(resultText(result)).toBe('done');
        outcomes.push('failOpen:true → served');
      } else {
        const error = expectToolError(result, 'UPSTREAM_UNAVAILABLE');
        expect(error.retryable).toBe(true);
        outcomes.push(`failOpen:false → ${error.code}`);
      }
      await client.close();
      await server.close();
      down.disconnect();
    }
    // Edge mode answers the whole HTTP request: 503 when closed.
    const down = unreachableRedis(port);
    const edge = await serveForTest(instance(down, false, true));
    const response = await postModern(
      edge.url,
      'tools/call',
      { name: 'work' },
      { 'x-api-key': 'caller-key' },
    );
    expect(response.status).toBe(503);
    outcomes.push(`edge failOpen:false → HTTP ${response.status}`);
    await edge.close();
    down.disconnect();
    console.log(`rate-limit(Redis down): ${outcomes.join('; ')}`);
  });
});
