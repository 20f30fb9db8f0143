import { randomBytes } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';

/** The Redis the tests use; shared with other engineers, so every run writes under its own prefix. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A unique key prefix for one test file's run. */
export function testPrefix(name: string): string {
  return `mcpkit-test:cache:${name}:${randomBytes(4).toString('hex')}:`;
}

/** Client options that make commands fail at once while Redis is away, and reconnect quickly. */
export const FAIL_FAST: RedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  connectTimeout: 500,
  retryStrategy: (times) => Math.min(times * 20, 100),
};

/** Connects and waits until ready; fails loudly (never skips) when Redis is not there. */
export async function connectRedis(url = REDIS_URL, options: RedisOptions = {}): Promise<Redis> {
  const client = new Redis(url, { ...FAIL_FAST, ...options });
  client.on('error', () => {});
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

/** A client whose commands fail at once because nothing listens on its port. */
export function deadRedis(port: number): Redis {
  const client = new Redis({ ...FAIL_FAST, host: '127.0.0.1', port, lazyConnect: false });
  client.on('error', () => {});
  return client;
}

/** Lists the keys under `prefix` with SCAN (KEYS would block a Redis others share). */
export async function scanKeys(client: Redis, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    found.push(...keys);
  } while (cursor !== '0');
  return found;
}

/** Deletes every key under `prefix` (never FLUSH: others share this Redis). */
export async function deleteKeys(client: Redis, prefix: string): Promise<number> {
  const keys = await scanKeys(client, prefix);
  return keys.length > 0 ? client.del(...keys) : 0;
}
