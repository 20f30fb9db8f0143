import {
  cache,
  createCache,
  createMemoryCacheStore,
  createRedisCacheBus,
  createRedisCacheStore,
  createTieredCacheStore,
} from '@mcpkit/cache';
import { createServer, type Logger } from '@mcpkit/core';
import {
  connectTestClient,
  resultText,
  serveForTest,
  type TestClient,
  type TestServer,
} from '@mcpkit/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as z from 'zod';
import { connectRedis, deadRedis, deleteKeys, FAIL_FAST, scanKeys, testPrefix } from './support/redis.js';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js';

const prefix = testPrefix('outage');
const lines: Array<{ level: string; msg: string | undefined }> = [];
const record =
  (level: string) =>
  (obj: Record<string, unknown> | string, msg?: string): void => {
    lines.push({ level, msg: typeof obj === 'string' ? obj : msg });
  };
const logger: Logger = {
  trace: () => {},
  debug: () => {},
  info: record('info'),
  warn: record('warn'),
  error: record('error'),
  child: () => logger,
};

let direct: Redis;
let proxied: Redis;
let proxy: TcpProxy;
let served: TestServer;
let client: TestClient;
let appCache: ReturnType<typeof createCache>;
let runs = 0;

async function readiness() {
  const response = await fetch(`${served.origin}/readyz`);
  const body = (await response.json()) as {
    checks: Record<string, { healthy: boolean; details?: Record<string, unknown> }>;
  };
  return { status: response.status, cache: body.checks.cache };
}

beforeAll(async () => {
  direct = await connectRedis();
  const { host, port } = direct.options;
  proxy = await startTcpProxy(host ?? '127.0.0.1', port ?? 6379);
  proxied = await connectRedis(`redis://127.0.0.1:${proxy.port}`);
  appCache = createCache({
    store: createTieredCacheStore(
      createMemoryCacheStore(),
      createRedisCacheStore({ client: proxied, prefix, timeoutMs: 300 }),
      {
        bus: createRedisCacheBus({ client: proxied, channel: `${prefix}bus` }),
        probeIntervalMs: 50,
      },
    ),
    logger,
  });
  await appCache.ready();
  const builder = createServer({ name: 'outage', version: '1.0.0', logger })
    .use(appCache)
    .tool('lookup', {
      description: 'Looks up',
      input: z.object({ id: z.string() }),
      use: [cache({ ttlMs: 60_000 })],
      handler: ({ id }) => `value of ${id} #${++runs}`,
    });
  served = await serveForTest(builder);
  client = await connectTestClient(served.url);
});

afterAll(async () => {
  await client.close();
  await served.close();
  await appCache.close();
  await proxy.close();
  proxied.disconnect();
  await deleteKeys(direct, prefix);
  await direct.quit();
});

describe('when Redis goes away', () => {
  it('keeps serving from L1 and the handler, reports degraded, logs once, and recovers', async () => {
    expect(resultText(await client.callTool('lookup', { id: 'warm' }))).toBe('value of warm #1');
    expect((await readiness()).cache?.details).toMatchObject({ status: 'ok', l2: 'up' });

    // A value written before the outage, and a second cache reading Redis directly.
    const observer = createCache({ store: createRedisCacheStore({ client: direct, prefix }) });
    await appCache.set('profile', 'before', { tags: ['profile'] });
    expect(await observer.get('profile')).toBe('before');

    proxy.cut();
    const warm = await client.callTool('lookup', { id: 'warm' });
    const cold = await client.callTool('lookup', { id: 'cold' });
    const coldAgain = await client.callTool('lookup', { id: 'cold' });
    for (let i = 0; i < 5; i++) await client.callTool('lookup', { id: `more-${i}` });
    expect(resultText(warm)).toBe('value of warm #1');
    expect(resultText(cold)).toBe('value of cold #2');
    expect(resultText(coldAgain)).toBe('value of cold #2');
    // Invalidated while Redis is away: remembered and replayed on recovery.
    await appCache.invalidateTags(['profile']);
    expect(await appCache.get('profile')).toBeUndefined();

    const down = await readiness();
    expect(down.status).toBe(200);
    expect(down.cache).toMatchObject({ healthy: true, details: { status: 'degraded', l2: 'down' } });
    const warnings = lines.filter((l) => l.level === 'warn' && l.msg?.includes('unreachable'));
    expect(warnings).toHaveLength(1);

    const restoredAt = performance.now();
    proxy.restore();
    await vi.waitFor(
      async () => {
        expect((await readiness()).cache?.details).toMatchObject({ status: 'ok', l2: 'up' });
      },
      { timeout: 5_000, interval: 50 },
    );
    const recoveredMs = performance.now() - restoredAt;
    expect(lines.filter((l) => l.msg?.includes('recovered'))).toHaveLength(1);
    expect(await observer.get('profile')).toBeUndefined();
    // Writes reach Redis again.
    const after = await client.callTool('lookup', { id: 'after' });
    expect(resultText(after)).toMatch(/^value of after #\d+$/);
    const stored = await scanKeys(direct, `${prefix}e:tool:lookup:`);
    // warm (before the cut) and after (after recovery); the keys written during the cut stayed in L1.
    expect(stored).toHaveLength(2);
    console.log(
      `[acceptance] redis outage: 9 calls during the cut all succeeded (L1 hit + handler), readiness 200 with cache degraded, 1 warning logged; readiness back to ok ${recoveredMs.toFixed(0)} ms after Redis returned (probe every 50 ms), pending tag invalidation replayed`,
    );
  });

  it('makes readiness fail while Redis is down when asked to', async () => {
    const dead = deadRedis(1);
    const strict = createCache({
      store: createTieredCacheStore(
        createMemoryCacheStore(),
        createRedisCacheStore({ client: dead, prefix }),
      ),
      readiness: 'fail',
    });
    const server = createServer({ name: 'strict', version: '1.0.0', logger })
      .use(strict)
      .tool('t', { description: 't', use: [cache()], handler: () => 'ok' });
    const strictServed = await serveForTest(server);
    const strictClient = await connectTestClient(strictServed.url);
    try {
      expect(resultText(await strictClient.callTool('t'))).toBe('ok');
      const response = await fetch(`${strictServed.origin}/readyz`);
      expect(response.status).toBe(503);
    } finally {
      await strictClient.close();
      await strictServed.close();
      dead.disconnect();
    }
  });

  it('answers from memory when the client was never connected', async () => {
    const dead = new Redis({ ...FAIL_FAST, host: '127.0.0.1', port: 1 });
    dead.on('error', () => {});
    const offline = createCache({
      store: createTieredCacheStore(
        createMemoryCacheStore(),
        createRedisCacheStore({ client: dead, prefix }),
        {
          bus: createRedisCacheBus({ client: dead }),
        },
      ),
    });
    let loads = 0;
    expect(await offline.getOrSet('k', () => ++loads)).toBe(1);
    expect(await offline.getOrSet('k', () => ++loads)).toBe(1);
    await offline.close();
    dead.disconnect();
  });
});
