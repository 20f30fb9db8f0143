import { createServer, silentLogger, type TelemetryEvents } from '@mcpkit/core';
import { createTestClient, expectToolError, resultText, serveForTest } from '@mcpkit/testing';
import { mcpkitMatchers } from '@mcpkit/testing/vitest';
import { describe, expect, it } from 'vitest';
import {
  apiKey,
  createMemoryRateLimitStore,
  hashApiKey,
  type RateLimitOptions,
  rateLimit,
} from '../../src/index.js';
import { postModern, type RpcBody } from '../fixtures/wire.js';

expect.extend(mcpkitMatchers);

function app(options: Partial<RateLimitOptions> & { now?: () => number } = {}) {
  const { now, ...rest } = options;
  return createServer({ name: 'limited', version: '1.0.0', logger: silentLogger })
    .use(
      apiKey({
        keys: [
          { hash: hashApiKey('key-a'), subject: 'alice' },
          { hash: hashApiKey('key-b'), subject: 'bob' },
        ],
      }),
      rateLimit({
        limit: 2,
        windowMs: 60_000,
        store: createMemoryRateLimitStore(now ? { now } : {}),
        ...rest,
      }),
    )
    .tool('a', { description: 'A', handler: () => 'a' })
    .tool('b', { description: 'B', handler: () => 'b' });
}

describe('rateLimit', () => {
  it('refuses the third call per caller with RATE_LIMITED and retryAfterMs, per caller', async () => {
    let now = 0;
    const builder = app({ now: () => now });
    const rejected: Array<TelemetryEvents['ratelimit.rejected']> = [];
    builder.telemetry.on('ratelimit.rejected', (e) => rejected.push(e));
    const alice = await createTestClient(builder, { headers: { 'x-api-key': 'key-a' } });
    const bob = await createTestClient(builder, { headers: { 'x-api-key': 'key-b' } });
    expect(resultText(await alice.callTool('a'))).toBe('a');
    now += 15_000;
    expect(resultText(await alice.callTool('b'))).toBe('b');
    // Alice's window runs 0–60 s with 2 calls; they count as evenly spread, so one slot frees when
    // half of that window has slid out: at 90 s, 75 s after this refusal.
    const error = expectToolError(await alice.callTool('a'), 'RATE_LIMITED');
    expect(error).toMatchObject({ retryable: true, retryAfterMs: 75_000 });
    expect(resultText(await bob.callTool('a'))).toBe('a');
    expect(rejected).toEqual([{ key: 'rateLimit:caller:alice', retryAfterMs: 75_000 }]);
    now += 75_000 - 1;
    expect(await alice.callTool('a')).toBeToolError('RATE_LIMITED');
    now += 1;
    expect(resultText(await alice.callTool('a'))).toBe('a');
    await alice.close();
    await bob.close();
  });

  it('answers other methods with a JSON-RPC error carrying the coded payload', async () => {
    const client = await createTestClient(app({ limit: 1 }), { headers: { 'x-api-key': 'key-a' } });
    await client.listTools();
    await expect(client.listTools()).rejects.toThrow(/Rate limit exceeded/);
    await client.close();
  });

  it('keys by tool or by caller+tool', async () => {
    const byTool = await createTestClient(app({ by: 'tool', limit: 1, methods: ['tools/call'] }), {
      headers: { 'x-api-key': 'key-a' },
    });
    expect(resultText(await byTool.callTool('a'))).toBe('a');
    expect(resultText(await byTool.callTool('b'))).toBe('b');
    expect(await byTool.callTool('a')).toBeToolError('RATE_LIMITED');
    await byTool.close();
    const builder = app({ by: 'caller+tool', limit: 1, methods: ['tools/call'] });
    const alice = await createTestClient(builder, { headers: { 'x-api-key': 'key-a' } });
    const bob = await createTestClient(builder, { headers: { 'x-api-key': 'key-b' } });
    expect(resultText(await alice.callTool('a'))).toBe('a');
    expect(resultText(await bob.callTool('a'))).toBe('a');
    expect(await alice.callTool('a')).toBeToolError('RATE_LIMITED');
    await alice.close();
    await bob.close();
  });

  it('works per tool through `use:` and exempts requests a key function skips', async () => {
    const limiter = rateLimit({
      limit: 1,
      windowMs: 1_000,
      by: (req) => (req.auth?.subject === 'vip' ? undefined : 'all'),
    });
    const server = createServer({ name: 'per-tool', version: '1', logger: silentLogger })
      .tool('scarce', { description: 'Once a second', use: [limiter.middleware()], handler: () => 'ok' })
      .tool('free', { description: 'Unlimited', handler: () => 'free' });
    const client = await createTestClient(server);
    expect(resultText(await client.callTool('scarce'))).toBe('ok');
    expect(await client.callTool('scarce')).toBeToolError('RATE_LIMITED');
    expect(resultText(await client.callTool('free'))).toBe('free');
    await client.close();
  });

  it('refuses whole HTTP requests at the edge with 429, Retry-After and RateLimit-* headers', async () => {
    const server = await serveForTest(
      app({ edge: true, by: 'caller', limit: 2, windowMs: 30_000, now: () => 5_000 }),
    );
    try {
      const first = await postModern(server.url, 'tools/call', { name: 'a' }, { 'x-api-key': 'key-a' });
      expect(first.status).toBe(200);
      expect(first.headers.get('ratelimit-limit')).toBe('2');
      expect(first.headers.get('ratelimit-remaining')).toBe('1');
      expect(first.headers.get('ratelimit-policy')).toBe('2;w=30');
      await postModern(server.url, 'tools/call', { name: 'a' }, { 'x-api-key': 'key-a' });
      const refused = await postModern(server.url, 'tools/call', { name: 'a' }, { 'x-api-key': 'key-a' });
      expect(refused.status).toBe(429);
      // A full window opens its next slot half-way into the following one: 30 s + 15 s.
      expect(refused.headers.get('retry-after')).toBe('45');
      expect(refused.headers.get('ratelimit-remaining')).toBe('0');
      expect(refused.headers.get('ratelimit-reset')).toBe('45');
      const body = (await refused.json()) as RpcBody;
      expect(body.error?.data).toMatchObject({ code: 'RATE_LIMITED', retryable: true });
      // Another credential is another caller.
      expect(
        (await postModern(server.url, 'tools/call', { name: 'a' }, { 'x-api-key': 'key-b' })).status,
      ).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('fails closed by default and open on request when the store fails', async () => {
    const rejecting = { consume: () => Promise.reject(new Error('store down')) };
    const throwing = {
      consume: (): never => {
        throw new Error('store down');
      },
    };
    for (const [broken, failOpen] of [
      [rejecting, false],
      [rejecting, true],
      [throwing, false],
      [throwing, true],
    ] as const) {
      const builder = app({ store: broken, failOpen });
      const unavailable: boolean[] = [];
      builder.telemetry.on('ratelimit.unavailable', (e) => unavailable.push(e.served));
      const client = await createTestClient(builder, { headers: { 'x-api-key': 'key-a' } });
      const result = await client.callTool('a');
      if (failOpen) expect(resultText(result)).toBe('a');
      else expectToolError(result, 'UPSTREAM_UNAVAILABLE');
      expect(unavailable).toEqual([failOpen]);
      await client.close();
    }
  });

  it('applies synchronous and asynchronous store verdicts alike, in middleware and at the edge', async () => {
    const decide = (n: number) => ({
      allowed: n <= 2,
      limit: 2,
      remaining: Math.max(0, 2 - n),
      resetMs: 1_000,
      retryAfterMs: n <= 2 ? 0 : 1_000,
    });
    const counts = new Map<string, number>();
    const count = (key: string) => {
      const n = (counts.get(key) ?? 0) + 1;
      counts.set(key, n);
      return n;
    };
    const stores = {
      sync: { consume: (key: string) => decide(count(`sync:${key}`)) },
      async: { consume: async (key: string) => decide(count(`async:${key}`)) },
      // A promise from another library: only `then` is relied on.
      thenable: {
        consume: (key: string) => ({
          // biome-ignore lint/suspicious/noThenProperty: a promise from another library is what this store stands for
          then: (resolve: (d: ReturnType<typeof decide>) => void) => resolve(decide(count(`then:${key}`))),
        }),
      },
    };
    for (const store of Object.values(stores)) {
      const client = await createTestClient(app({ store: store as never }), {
        headers: { 'x-api-key': 'key-a' },
      });
      expect(resultText(await client.callTool('a'))).toBe('a');
      expect(resultText(await client.callTool('a'))).toBe('a');
      expect(await client.callTool('a')).toBeToolError('RATE_LIMITED');
      await client.close();

      const server = await serveForTest(app({ store: store as never, edge: true, name: 'edge' }));
      try {
        const answers = [];
        for (let i = 0; i < 3; i++) {
          answers.push(
            (await postModern(server.url, 'tools/call', { name: 'b' }, { 'x-api-key': 'key-b' })).status,
          );
        }
        expect(answers).toEqual([200, 200, 429]);
      } finally {
        await server.close();
      }
    }
  });
});
