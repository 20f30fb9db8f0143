// The TaskStore contract of @mcpkit/testing, run against the Redis task store on a real Redis.
import { silentLogger } from '@mcpkit/core';
import { taskStoreContract } from '@mcpkit/testing';
import { describeContract } from '@mcpkit/testing/vitest';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { createRedisTaskStore, type RedisTaskStore } from '../src/index.js';
import { closeClients, connectRedis, deleteKeys, FAIL_FAST, freePort, testPrefix } from './support/redis.js';

const prefix = testPrefix('contract');
let redis: Redis;
const down: Redis[] = [];
beforeAll(async () => {
  redis = await connectRedis();
});
afterAll(async () => {
  await deleteKeys(redis, prefix);
  for (const client of down) client.disconnect();
  await closeClients();
});

describeContract(
  taskStoreContract({
    create: (clock) => createRedisTaskStore({ client: redis, prefix, logger: silentLogger, now: clock.now }),
    dispose: (store) => (store as RedisTaskStore).close(),
    unreachable: async () => {
      const client = new Redis({ ...FAIL_FAST, host: '127.0.0.1', port: await freePort() });
      client.on('error', () => {});
      down.push(client);
      return createRedisTaskStore({ client, prefix, logger: silentLogger });
    },
  }),
  'redis task store: task store contract',
);
