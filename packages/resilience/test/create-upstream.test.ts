import { createServer, type Telemetry, type TelemetryEvents } from '@mcpkit/core';
import { createUpstream, type Upstream, type UpstreamOptions } from '@mcpkit/resilience';
import {
  createTestClient,
  expectToolError,
  type MockUpstream,
  mockUpstream,
  resultText,
  type TestClient,
} from '@mcpkit/testing';
import { mcpkitMatchers } from '@mcpkit/testing/vitest';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as z from 'zod';

expect.extend(mcpkitMatchers);

let mock: MockUpstream;
let client: TestClient | undefined;

beforeEach(async () => {
  mock = await mockUpstream();
});
afterEach(async () => {
  vi.useRealTimers();
  await client?.close();
  client = undefined;
  await mock.close();
});

/** Fast settings: millisecond backoffs and deadlines, no breaker unless a test asks for one. */
function upstream(options: UpstreamOptions = {}): Upstream {
  return createUpstream('items', {
    baseUrl: mock.url,
    attemptTimeoutMs: 500,
    deadlineMs: 5_000,
    breaker: false,
    ...options,
    retry: options.retry === false ? false : { baseDelayMs: 1, maxDelayMs: 5, ...options.retry },
  });
}

/** A server with tools that read and create items through the upstream. */
async function connect(items: Upstream, events?: (telemetry: Telemetry) => void): Promise<TestClient> {
  const server = createServer({ name: 'items-server', version: '1.0.0' })
    .use(items)
    .tool('get_item', {
      description: 'Reads an item',
      input: z.object({ id: z.string() }),
      handler: async ({ id }, ctx) => JSON.stringify(await items.get(`/items/${id}`, { ctx })),
    })
    .tool('create_item', {
      description: 'Creates an item',
      input: z.object({ name: z.string(), key: z.string().optional() }),
      handler: async ({ name, key }, ctx) =>
        JSON.stringify(
          await items.post('/items', { ctx, json: { name }, ...(key ? { idempotencyKey: key } : {}) }),
        ),
    })
    .tool('typed_item', {
      description: 'Reads an item and validates it',
      input: z.object({ id: z.string() }),
      handler: async ({ id }, ctx) => {
        const item = await items.get(`/items/${id}`, {
          ctx,
          schema: z.object({ id: z.string(), price: z.number() }),
        });
        return `price=${item.price}`;
      },
    });
  events?.(server.telemetry);
  client = await createTestClient(server);
  return client;
}

describe('createUpstream through a real MCP client', () => {
  it('retries a 503 twice and succeeds on the third attempt', async () => {
    mock.route('GET', '/items/1', [503, 503, { body: { id: '1' } }]);
    const c = await connect(upstream());
    const result = await c.callTool('get_item', { id: '1' });
    expect(resultText(result)).toBe('{"id":"1"}');
    expect(mock.requests.map((r) => r.outcome)).toEqual(['status:503', 'status:503', 'status:200']);
  });

  it('maps a 503 that outlasts the attempts to a retryable UPSTREAM_UNAVAILABLE', async () => {
    mock.route('GET', '/items/1', 503);
    const c = await connect(upstream({ retry: { maxAttempts: 2 } }));
    const error = expectToolError(await c.callTool('get_item', { id: '1' }), 'UPSTREAM_UNAVAILABLE');
    expect(error).toMatchObject({ retryable: true, details: { upstream: 'items', status: 503 } });
    expect(mock.requests).toHaveLength(2);
  });

  it('honours Retry-After: 2 by waiting two seconds on a fake clock', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    mock.route('GET', '/items/1', [{ status: 429, retryAfterMs: 2_000 }, { body: { id: '1' } }]);
    const retries: Array<TelemetryEvents['upstream.retry']> = [];
    const c = await connect(upstream(), (t) => t.on('upstream.retry', (e) => retries.push(e)));
    const pending = c.callTool('get_item', { id: '1' });
    await mock.waitForRequests(1);
    // vi.waitFor would advance the fake clock; poll on real macrotasks instead.
    while (retries.length === 0) await new Promise((resolve) => setImmediate(resolve));
    await vi.advanceTimersByTimeAsync(1_990);
    expect(mock.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(20);
    await mock.waitForRequests(2);
    const waited = (mock.requests[1]?.receivedAt ?? 0) - (mock.requests[0]?.receivedAt ?? 0);
    console.log(`[acceptance] Retry-After: 2 → next attempt after ${waited} ms on the fake clock`);
    expect(waited).toBeGreaterThanOrEqual(2_000);
    expect(waited).toBeLessThan(2_100);
    expect(retries[0]).toMatchObject({ upstream: 'items', delayMs: 2_000, reason: 'status:429' });
    expect(resultText(await pending)).toBe('{"id":"1"}');
  });

  it('fails a 429 whose Retry-After exceeds the cap at once, with retryAfterMs', async () => {
    mock.route('GET', '/items/1', { status: 429, retryAfterMs: 120_000 });
    const c = await connect(upstream());
    const error = expectToolError(await c.callTool('get_item', { id: '1' }), 'RATE_LIMITED');
    expect(error).toMatchObject({ retryable: true, retryAfterMs: 120_000 });
    expect(mock.requests).toHaveLength(1);
  });

  it('does not retry a POST without an idempotency key', async () => {
    mock.route('POST', '/items', [503, { status: 201, body: { id: 'new' } }]);
    const c = await connect(upstream());
    expect(await c.callTool('create_item', { name: 'a' })).toBeToolError('UPSTREAM_UNAVAILABLE');
    expect(mock.requests).toHaveLength(1);
  });

  it('retries a POST with an idempotency key, sending the same key on every attempt', async () => {
    mock.route('POST', '/items', [503, 502, { status: 201, body: { id: 'new' } }]);
    const c = await connect(upstream());
    const result = await c.callTool('create_item', { name: 'a', key: 'order-42' });
    expect(resultText(result)).toBe('{"id":"new"}');
    expect(mock.requests.map((r) => r.headers['idempotency-key'])).toEqual([
      'order-42',
      'order-42',
      'order-42',
    ]);
    expect(mock.requests.map((r) => r.body)).toEqual(Array(3).fill('{"name":"a"}'));
  });

  it('generates one idempotency key per logical call when asked to', async () => {
    mock.route('POST', '/items', [503, { status: 201, body: { id: 'new' } }]);
    const c = await connect(upstream({ idempotency: { generate: true } }));
    await c.callTool('create_item', { name: 'a' });
    await c.callTool('create_item', { name: 'b' });
    const keys = mock.requests.map((r) => r.headers['idempotency-key']);
    expect(keys).toHaveLength(3);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).toBe(keys[0]);
    expect(keys[2]).not.toBe(keys[0]);
  });

  it('maps a hang to UPSTREAM_TIMEOUT at the per-attempt deadline', async () => {
    mock.route('GET', '/items/1', { hang: true });
    const c = await connect(upstream({ attemptTimeoutMs: 50, retry: { maxAttempts: 2 } }));
    const started = performance.now();
    const error = expectToolError(await c.callTool('get_item', { id: '1' }), 'UPSTREAM_TIMEOUT');
    const elapsed = performance.now() - started;
    expect(error.retryable).toBe(true);
    expect(mock.requests).toHaveLength(2);
    expect(elapsed).toBeGreaterThanOrEqual(95);
    expect(elapsed).toBeLessThan(1_000);
    await mock.waitForClose(mock.requests[1]!);
    expect(mock.requests.every((r) => r.closedEarlyAt !== undefined)).toBe(true);
  });

  it('stops at the overall deadline even when attempts remain', async () => {
    mock.route('GET', '/items/1', { hang: true });
    const c = await connect(upstream({ attemptTimeoutMs: 1_000, deadlineMs: 80, retry: { maxAttempts: 5 } }));
    const started = performance.now();
    expect(await c.callTool('get_item', { id: '1' })).toBeToolError('UPSTREAM_TIMEOUT');
    expect(performance.now() - started).toBeLessThan(500);
    expect(mock.requests).toHaveLength(1);
  });

  it('retries a connection reset and maps a persistent one to UPSTREAM_UNAVAILABLE', async () => {
    mock.route('GET', '/items/1', [{ reset: true }, { body: { id: '1' } }]);
    mock.route('GET', '/items/2', { reset: true });
    const c = await connect(upstream());
    expect(resultText(await c.callTool('get_item', { id: '1' }))).toBe('{"id":"1"}');
    const error = expectToolError(await c.callTool('get_item', { id: '2' }), 'UPSTREAM_UNAVAILABLE');
    expect(error.retryable).toBe(true);
  });

  it('maps a 404 to a non-retryable UPSTREAM_ERROR without echoing the body', async () => {
    mock.route('GET', '/items/9', { status: 404, body: { error: 'secret-internal-id 7731 not found' } });
    const c = await connect(upstream());
    const result = await c.callTool('get_item', { id: '9' });
    const error = expectToolError(result, 'UPSTREAM_ERROR');
    expect(error).toMatchObject({ retryable: false, details: { upstream: 'items', status: 404 } });
    expect(JSON.stringify(result)).not.toContain('secret-internal-id');
    expect(mock.requests).toHaveLength(1);
  });

  it('shows the upstream body only for whitelisted statuses', async () => {
    mock.route('GET', '/items/1', { status: 422, body: { error: 'price must be positive' } });
    const c = await connect(upstream({ exposeErrorBody: [422] }));
    const error = expectToolError(await c.callTool('get_item', { id: '1' }), 'UPSTREAM_ERROR');
    expect(error.details).toMatchObject({ upstreamBody: '{"error":"price must be positive"}' });
  });

  it('rejects a response that does not match the schema, naming the field', async () => {
    mock.route('GET', '/items/1', { body: { id: '1', price: 'free' } });
    mock.route('GET', '/items/2', { body: { id: '2', price: 5 } });
    const c = await connect(upstream());
    const error = expectToolError(await c.callTool('typed_item', { id: '1' }), 'UPSTREAM_ERROR');
    expect(error.message).toContain('price');
    expect(error.retryable).toBe(false);
    expect(resultText(await c.callTool('typed_item', { id: '2' }))).toBe('price=5');
  });

  it('refuses a response larger than maxResponseBytes, declared or streamed', async () => {
    mock.route('GET', '/items/1', { bodyBytes: 4_096 });
    mock.route('GET', '/items/2', { bodyBytes: 4_096, chunkDelayMs: 1, chunks: 4 });
    const c = await connect(upstream({ maxResponseBytes: 1_024 }));
    for (const id of ['1', '2']) {
      const error = expectToolError(await c.callTool('get_item', { id }), 'UPSTREAM_ERROR');
      expect(error.message).toContain('larger than 1024 bytes');
    }
  });

  it('sends the request id and the traceparent of the MCP request', async () => {
    mock.route('GET', '/items/1', { body: { id: '1' } });
    const c = await connect(upstream({ headers: { 'user-agent': 'items-server' } }));
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    await c.callTool('get_item', { id: '1' }, { meta: { traceparent } });
    const headers = mock.requests[0]?.headers ?? {};
    expect(headers.traceparent).toBe(traceparent);
    expect(headers['x-request-id']).toMatch(/\S+/);
    expect(headers['user-agent']).toBe('items-server');
  });

  it('sends each MCP request’s own id upstream, the one its error result names', async () => {
    mock.route('GET', '/items/ok', { delayMs: 20, body: { id: 'ok' } });
    mock.route('GET', '/items/down', 503);
    const items = upstream({ retry: false });
    const seen = new Map<string, string>();
    const server = createServer({ name: 'ids', version: '1.0.0' }).tool('get_item', {
      description: 'Reads an item',
      input: z.object({ id: z.string(), call: z.string() }),
      handler: async ({ id, call }, ctx) => {
        seen.set(call, ctx.requestId);
        return JSON.stringify(await items.get(`/items/${id}`, { ctx }));
      },
    });
    client = await createTestClient(server);
    const c = client;
    // Concurrent calls: each upstream request must carry its own call's id, not a neighbour's.
    const results = await Promise.all(
      ['a', 'b', 'c'].map((call) => c.callTool('get_item', { id: 'ok', call })),
    );
    expect(results.every((r) => !r.isError)).toBe(true);
    const failed = expectToolError(
      await c.callTool('get_item', { id: 'down', call: 'd' }),
      'UPSTREAM_UNAVAILABLE',
    );
    const sent = new Map(mock.requests.map((r) => [r.path, r.headers['x-request-id']] as const));
    const byCall = mock.requests.map((r) => r.headers['x-request-id']);
    expect(new Set(byCall).size).toBe(4);
    expect([...seen.values()].sort()).toEqual([...byCall].sort());
    expect(sent.get('/items/down')).toBe(seen.get('d'));
    expect(failed.requestId).toBe(seen.get('d'));
  });

  it('emits attempt, response, retry and give-up events on the server channel', async () => {
    mock.route('GET', '/items/1', 500);
    const seen: string[] = [];
    const c = await connect(upstream({ retry: { maxAttempts: 2 } }), (t) => {
      t.on('upstream.attempt', (e) => seen.push(`attempt ${e.attempt} ${e.method} ${e.path}`));
      t.on('upstream.response', (e) => seen.push(`response ${e.status}`));
      t.on('upstream.retry', (e) => seen.push(`retry ${e.attempt} ${e.reason}`));
      t.on('upstream.giveup', (e) => seen.push(`giveup ${e.attempts} ${e.errorCode}`));
    });
    await c.callTool('get_item', { id: '1' });
    expect(seen).toEqual([
      'attempt 1 GET /items/1',
      'response 500',
      'retry 2 status:500',
      'attempt 2 GET /items/1',
      'response 500',
      'giveup 2 UPSTREAM_UNAVAILABLE',
    ]);
  });

  it('aborts the upstream request within 50 ms when the client cancels the MCP call', async () => {
    mock.route('GET', '/items/1', { hang: true });
    const c = await connect(upstream({ attemptTimeoutMs: 10_000 }));
    const controller = new AbortController();
    const pending = c.callTool('get_item', { id: '1' }, { signal: controller.signal });
    const [request] = await mock.waitForRequests(1);
    const cancelledAt = Date.now();
    controller.abort();
    await expect(pending).rejects.toThrow();
    const closedAt = await mock.waitForClose(request!);
    console.log(
      `[acceptance] client cancellation → mock saw the socket close after ${closedAt - cancelledAt} ms`,
    );
    expect(closedAt - cancelledAt).toBeLessThanOrEqual(50);
    expect(mock.requests).toHaveLength(1);
  });
});

describe('createUpstream without a server', () => {
  it('returns the full response from request() and text bodies as text', async () => {
    mock.route('GET', '/health', { body: 'ok' });
    const items = upstream();
    const response = await items.request<string>('GET', '/health');
    expect(response).toMatchObject({ status: 200, data: 'ok' });
    expect(response.headers.get('content-type')).toContain('text/plain');
  });

  it('adds bearer, basic and custom-header credentials', async () => {
    mock.route('GET', '*', { body: {} });
    await upstream({ auth: { type: 'bearer', token: () => 'tok-1' } }).get('/a');
    await upstream({ auth: { type: 'basic', username: 'u', password: 'p' } }).get('/b');
    await upstream({ auth: { type: 'header', name: 'X-Api-Key', value: 'k-9' } }).get('/c');
    expect(mock.requests[0]?.headers.authorization).toBe('Bearer tok-1');
    expect(mock.requests[1]?.headers.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
    expect(mock.requests[2]?.headers['x-api-key']).toBe('k-9');
  });

  it('aborts when the caller’s own signal aborts', async () => {
    mock.route('GET', '/slow', { hang: true });
    const controller = new AbortController();
    const pending = upstream().get('/slow', { signal: controller.signal });
    await mock.waitForRequests(1);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    await mock.waitForClose(mock.requests[0]!);
  });

  it('waits for outbound rate-limit tokens, then fails RATE_LIMITED past the bound', async () => {
    mock.route('GET', '*', { body: {} });
    const waits: number[] = [];
    const telemetry = {
      emit: (name: string, event: { waitMs?: number }) => {
        if (name === 'ratelimit.wait') waits.push(event.waitMs ?? 0);
      },
      on: () => () => undefined,
      has: () => true,
    } as unknown as Telemetry;
    const items = upstream({ upstreamRateLimit: { ratePerSecond: 100, burst: 1, maxWaitMs: 25 }, telemetry });
    const results = await Promise.allSettled([
      items.get('/1'),
      items.get('/2'),
      items.get('/3'),
      items.get('/4'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected']);
    expect((results[3] as PromiseRejectedResult).reason).toMatchObject({
      code: 'RATE_LIMITED',
      retryable: true,
    });
    expect(waits).toHaveLength(2);
    expect(mock.requests).toHaveLength(3);
  });
});

describe('bulkhead of an upstream', () => {
  it('rejects the fifth simultaneous call with a coded, retryable error when 2 run and 2 wait', async () => {
    mock.route('GET', '/items/*', { delayMs: 100, body: { id: 'x' } });
    const rejected: string[] = [];
    const c = await connect(upstream({ bulkhead: { maxConcurrent: 2, maxQueue: 2 } }), (t) =>
      t.on('upstream.giveup', (e) => rejected.push(e.errorCode)),
    );
    const calls = Array.from({ length: 4 }, (_, i) => c.callTool('get_item', { id: String(i) }));
    await mock.waitForRequests(2);
    const fifth = await c.callTool('get_item', { id: '4' });
    const error = expectToolError(fifth, 'RATE_LIMITED');
    console.log(`[acceptance] bulkhead 2+2: fifth call → ${error.code}, retryable=${error.retryable}`);
    expect(error).toMatchObject({ retryable: true, details: { upstream: 'items', reason: 'bulkhead' } });
    const results = await Promise.all(calls);
    expect(results.every((r) => !r.isError)).toBe(true);
    expect(mock.requests).toHaveLength(4);
    expect(rejected).toEqual(['RATE_LIMITED']);
  });
});
