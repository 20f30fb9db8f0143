import { type CacheBusMessage, createRedisCacheBus } from '@mcpkit/cache';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connectRedis, REDIS_URL, testPrefix } from './support/redis.js';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js';

const channel = `${testPrefix('bus')}channel`;
let direct: Redis;
let proxied: Redis;
let proxy: TcpProxy;

beforeAll(async () => {
  direct = await connectRedis();
  const url = new URL(REDIS_URL);
  proxy = await startTcpProxy(url.hostname, Number(url.port || 6379));
  proxied = await connectRedis(`redis://127.0.0.1:${proxy.port}`);
});
afterAll(async () => {
  await proxy.close();
  proxied.disconnect();
  await direct.quit();
});

describe('createRedisCacheBus', () => {
  it('delivers messages to other instances, not back to the sender, and resubscribes after a cut', async () => {
    const sender = createRedisCacheBus({ client: direct, channel });
    const receiver = createRedisCacheBus({ client: proxied, channel });
    const got: { sender: CacheBusMessage[]; receiver: CacheBusMessage[] } = { sender: [], receiver: [] };
    let reconnects = 0;
    await sender.start({ message: (m) => got.sender.push(m), reconnected: () => {} });
    await receiver.start({ message: (m) => got.receiver.push(m), reconnected: () => reconnects++ });
    expect(receiver.connected).toBe(true);

    await sender.publish({ keys: ['k1'], tags: ['t1'], at: 42 });
    await vi.waitFor(() => expect(got.receiver).toEqual([{ keys: ['k1'], tags: ['t1'], at: 42 }]));
    expect(got.sender).toEqual([]);

    proxy.cut();
    await vi.waitFor(() => expect(receiver.connected).toBe(false));
    proxy.restore();
    await vi.waitFor(() => expect(receiver.connected).toBe(true), { timeout: 5_000 });
    expect(reconnects).toBe(1);
    await sender.publish({ keys: ['k2'] });
    await vi.waitFor(() => expect(got.receiver.at(-1)).toEqual({ keys: ['k2'] }));

    await sender.close();
    await receiver.close();
  });
});
