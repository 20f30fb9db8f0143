import { randomBytes } from 'node:crypto';
import { createServer as createNetServer } from 'node:net';
import { Redis, type RedisOptions } from 'ioredis';

/** The Redis the tests use; shared with others, so every run writes under its own prefix. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A unique key prefix for one test's run. */
export function testPrefix(name: string): string {
  return `mcpkit-test:redis:${name}:${randomBytes(4).toString('hex')}:`;
}

/** Client options that make commands fail at once while Redis is away, and reconnect quickly. */
export const FAIL_FAST: RedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  connectTimeout: 500,
  retryStrategy: (times) => Math.min(times * 20, 100),
};

const opened: Redis[] = [];

/** Connects and waits until ready; fails loudly (never skips) when Redis is not there. */
export async function connectRedis(url = REDIS_URL): Promise<Redis> {
  const client = new Redis(url, FAIL_FAST);
  client.on('error', () => {});
  opened.push(client);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out')), 3_000);
      client.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  } catch (error) {
    client.disconnect();
    throw new Error(
      `Redis is not reachable at ${url} (${(error as Error).message}). These tests need a real Redis: ` +
        'start one with `redis-server --port 6379`, or point REDIS_URL at one.',
    );
  }
  return client;
}

/** Closes every client {@link connectRedis} opened. */
export async function closeClients(): Promise<void> {
  for (const client of opened.splice(0)) await client.quit().catch(() => client.disconnect());
}

/** A 127.0.0.1 port nothing listens on right now (the OS picks it; nothing is started there). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Deletes every key under `prefix` with SCAN (never FLUSH or KEYS: others share this Redis). */
export async function deleteKeys(client: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await client.del(...keys);
  } while (cursor !== '0');
}
