import { createServer, type McpkitError } from '@mcpkit/core';
import { createUpstream, type UpstreamFallbackCall, type UpstreamOptions } from '@mcpkit/resilience';
import { createTestClient, type MockUpstream, mockUpstream } from '@mcpkit/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as z from 'zod';

let mock: MockUpstream;

beforeEach(async () => {
  mock = await mockUpstream();
});
afterEach(async () => {
  await mock.close();
});

const upstream = (options: UpstreamOptions) =>
  createUpstream('items', {
    baseUrl: mock.url,
    breaker: false,
    retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 },
    ...options,
  });

describe('createUpstream fallback', () => {
  it('answers a call whose retries are spent with the fallback’s data, through an MCP tool', async () => {
    mock.route('GET', '/items/*', 503);
    const seen: Array<{ code: string; call: Omit<UpstreamFallbackCall, 'ctx'>; hasCtx: boolean }> = [];
    const items = upstream({
      fallback: (error, { ctx, ...call }) => {
        seen.push({ code: error.code, call, hasCtx: ctx !== undefined });
        return { id: 'cached' };
      },
    });
    const server = createServer({ name: 'fallback', version: '1.0.0' })
      .use(items)
      .tool('get_item', {
        description: 'Reads an item',
        input: z.object({ id: z.string() }),
        output: z.object({ id: z.string() }),
        handler: async ({ id }, ctx) =>
          items.get(`/items/${id}?fields=all`, { ctx, schema: z.object({ id: z.string() }) }),
      });
    const client = await createTestClient(server);
    const result = await client.callTool('get_item', { id: '7' });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ id: 'cached' });
    expect(mock.requests).toHaveLength(2);
    expect(seen).toEqual([
      {
        code: 'UPSTREAM_UNAVAILABLE',
        call: { upstream: 'items', method: 'GET', path: '/items/7' },
        hasCtx: true,
      },
    ]);
    await client.close();
  });

  it('marks a response the fallback made, and lets the error through when it returns undefined', async () => {
    mock.route('GET', '/down', 503);
    mock.route('GET', '/missing', 404);
    const items = upstream({
      fallback: (error: McpkitError) => (error.code === 'UPSTREAM_UNAVAILABLE' ? 'stale' : undefined),
    });
    await expect(items.request('GET', '/down')).resolves.toMatchObject({
      status: 0,
      data: 'stale',
      fallback: true,
    });
    await expect(items.get('/missing')).rejects.toMatchObject({
      code: 'UPSTREAM_ERROR',
      details: { status: 404 },
    });
  });

  it('answers an open breaker without touching the network', async () => {
    mock.route('GET', '*', 500);
    const items = upstream({
      retry: false,
      breaker: { kind: 'consecutive', failures: 2, halfOpenAfterMs: 60_000 },
      fallback: (error) => (error.code === 'CIRCUIT_OPEN' ? { from: 'fallback' } : undefined),
    });
    for (let i = 0; i < 2; i++)
      await expect(items.get('/a')).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    await expect(items.get('/a')).resolves.toEqual({ from: 'fallback' });
    expect(mock.requests).toHaveLength(2);
  });

  it('lets a call choose its own fallback or none', async () => {
    mock.route('GET', '*', 503);
    const items = upstream({ fallback: () => 'upstream-wide' });
    await expect(items.get('/a')).resolves.toBe('upstream-wide');
    await expect(items.get('/a', { fallback: () => 'this call' })).resolves.toBe('this call');
    await expect(items.get('/a', { fallback: false })).rejects.toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
    });
    await expect(
      createUpstream('plain', { baseUrl: mock.url, retry: false, breaker: false }).get('/a', {
        fallback: () => 'per call only',
      }),
    ).resolves.toBe('per call only');
  });

  it('holds the fallback’s data to the call’s schema', async () => {
    mock.route('GET', '*', 503);
    const items = upstream({ fallback: () => ({ id: 42 }) });
    await expect(items.get('/a', { schema: z.object({ id: z.string() }) })).rejects.toMatchObject({
      code: 'UPSTREAM_ERROR',
    });
  });

  it('is not asked for a caller who cancelled', async () => {
    mock.route('GET', '*', { hang: true });
    let asked = 0;
    const items = upstream({
      fallback: () => {
        asked += 1;
        return 'late';
      },
    });
    const controller = new AbortController();
    const pending = items.get('/slow', { signal: controller.signal });
    await mock.waitForRequests(1);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect(asked).toBe(0);
  });
});
