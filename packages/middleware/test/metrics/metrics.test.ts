import { createServer, McpkitError } from '@mcpkit/core';
import { MCP_DURATION_BUCKETS, metrics } from '@mcpkit/middleware';
import { connectTestClient, createTestClient, serveForTest, type TestServer } from '@mcpkit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { parsePrometheusText, sumOf } from '../fixtures/prometheus-text.js';

let served: TestServer | undefined;
afterEach(async () => {
  await served?.close();
  served = undefined;
});

const makeServer = (plugin: ReturnType<typeof metrics>) =>
  createServer({ name: 'metered', version: '1.0.0' })
    .use(plugin)
    .tool('add', {
      description: 'Adds',
      input: z.object({ a: z.number(), b: z.number() }),
      handler: ({ a, b }) => String(a + b),
    })
    .tool('lookup', {
      description: 'Finds nothing',
      handler: () => {
        throw new McpkitError('NOT_FOUND', 'Nothing here.');
      },
    });

const H = 'mcp_server_operation_duration_seconds';

describe('metrics()', () => {
  it('serves /metrics as Prometheus text whose histogram counts equal the calls per tool and outcome (acceptance 3)', async () => {
    const plugin = metrics({ endpoint: '/metrics' });
    served = await serveForTest(makeServer(plugin));
    const client = await connectTestClient(served.url);
    const script = { addOk: 7, addInvalid: 3, lookup: 4, unknown: 2, lists: 2 };
    for (let i = 0; i < script.addOk; i++) await client.callTool('add', { a: i, b: 1 });
    for (let i = 0; i < script.addInvalid; i++) await client.callTool('add', { a: 'x' });
    for (let i = 0; i < script.lookup; i++) await client.callTool('lookup');
    for (let i = 0; i < script.unknown; i++) await client.callTool(`made_up_${i}`).catch(() => undefined);
    for (let i = 0; i < script.lists; i++) await client.listTools();
    await client.close();

    const response = await fetch(`${served.origin}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const exposition = parsePrometheusText(await response.text());
    expect(exposition.types.get(H)).toBe('histogram');

    const count = (tool: string, errorType: string) =>
      sumOf(exposition, `${H}_count`, {
        mcp_method_name: 'tools/call',
        gen_ai_tool_name: tool,
        error_type: errorType,
      });
    const observed = {
      addOk: count('add', ''),
      addInvalid: count('add', 'VALIDATION_FAILED'),
      lookup: count('lookup', 'NOT_FOUND'),
      unknown: count('_other', '-32602'),
      lists: sumOf(exposition, `${H}_count`, { mcp_method_name: 'tools/list' }),
    };
    console.log(
      `[acceptance 3] metrics: /metrics parsed (${exposition.samples.length} samples); histogram counts ${JSON.stringify(observed)} vs calls ${JSON.stringify(script)}`,
    );
    expect(observed).toEqual(script);

    // Buckets are the semconv ones, cumulative, ending in +Inf == _count.
    const buckets = exposition.samples.filter(
      (s) => s.name === `${H}_bucket` && s.labels.gen_ai_tool_name === 'add' && s.labels.error_type === '',
    );
    expect(buckets.map((s) => s.labels.le)).toEqual([...MCP_DURATION_BUCKETS.map(String), '+Inf']);
    expect(buckets.at(-1)?.value).toBe(script.addOk);
    expect(sumOf(exposition, 'mcp_server_requests_total', { gen_ai_tool_name: 'add', outcome: 'ok' })).toBe(
      7,
    );
    expect(
      sumOf(exposition, 'mcp_server_requests_total', { gen_ai_tool_name: 'add', outcome: 'error' }),
    ).toBe(3);
    expect(sumOf(exposition, 'mcp_server_requests_in_flight')).toBe(0);
    // No caller-invented tool name became a label value.
    expect(exposition.samples.some((s) => s.labels.gen_ai_tool_name?.startsWith('made_up'))).toBe(false);
  });

  it('refuses anything but GET and HEAD on the endpoint', async () => {
    served = await serveForTest(makeServer(metrics({ endpoint: '/metrics' })));
    const response = await fetch(`${served.origin}/metrics`, { method: 'POST', body: '' });
    expect(response.status).toBe(405);
  });

  it('caps distinct tool names at maxToolNames', async () => {
    const plugin = metrics({ maxToolNames: 1 });
    const client = await createTestClient(makeServer(plugin));
    await client.callTool('add', { a: 1, b: 2 });
    await client.callTool('lookup');
    await client.close();
    const exposition = parsePrometheusText(await plugin.scrape());
    expect(sumOf(exposition, `${H}_count`, { gen_ai_tool_name: 'add' })).toBe(1);
    expect(sumOf(exposition, `${H}_count`, { gen_ai_tool_name: '_other' })).toBe(1);
  });

  it('gives each call its own registry, so two servers never collide', async () => {
    const first = metrics();
    const second = metrics();
    expect(first.registry).not.toBe(second.registry);
    const a = await createTestClient(makeServer(first));
    const b = await createTestClient(makeServer(second));
    await a.callTool('add', { a: 1, b: 1 });
    await a.close();
    await b.close();
    expect(sumOf(parsePrometheusText(await first.scrape()), `${H}_count`, { gen_ai_tool_name: 'add' })).toBe(
      1,
    );
    expect(sumOf(parsePrometheusText(await second.scrape()), `${H}_count`, { gen_ai_tool_name: 'add' })).toBe(
      0,
    );
  });

  it('exports cache, upstream, breaker, bulkhead and rate-limit telemetry as counters', async () => {
    const plugin = metrics();
    const builder = makeServer(plugin);
    const t = builder.telemetry;
    t.emit('cache.hit', { tool: 'add', key: 'k', layer: 'l1' });
    t.emit('cache.hit', { tool: 'add', key: 'k', layer: 'l2' });
    t.emit('cache.miss', { tool: 'add', key: 'k' });
    t.emit('cache.stale', { tool: 'add', key: 'k' });
    t.emit('cache.coalesced', { tool: 'add', key: 'k' });
    t.emit('upstream.retry', { upstream: 'billing', attempt: 1, delayMs: 10, reason: '503' });
    t.emit('upstream.retry', { upstream: 'billing', attempt: 2, delayMs: 20, reason: '503' });
    t.emit('upstream.giveup', { upstream: 'billing', attempts: 3, errorCode: 'UPSTREAM_UNAVAILABLE' });
    t.emit('breaker.open', { name: 'billing' });
    t.emit('breaker.halfOpen', { name: 'billing' });
    t.emit('bulkhead.rejected', { name: 'pdf' });
    t.emit('ratelimit.rejected', { key: 'user-1', retryAfterMs: 1000 });
    t.emit('ratelimit.rejected', { key: 'user-2', retryAfterMs: 1000 });
    t.emit('edge.refused', {
      requestId: 'r1',
      status: 401,
      errorCode: 'UNAUTHORIZED',
      rpcMethod: 'tools/call',
    });
    const e = parsePrometheusText(await plugin.scrape());
    expect(sumOf(e, 'mcpkit_cache_events_total', { event: 'hit', gen_ai_tool_name: 'add' })).toBe(2);
    expect(sumOf(e, 'mcpkit_cache_events_total', { event: 'hit', layer: 'l2' })).toBe(1);
    expect(sumOf(e, 'mcpkit_cache_events_total', { event: 'miss' })).toBe(1);
    expect(sumOf(e, 'mcpkit_cache_events_total', { event: 'stale' })).toBe(1);
    expect(sumOf(e, 'mcpkit_cache_events_total', { event: 'coalesced' })).toBe(1);
    expect(sumOf(e, 'mcpkit_upstream_retries_total', { upstream: 'billing' })).toBe(2);
    expect(sumOf(e, 'mcpkit_upstream_giveups_total', { error_type: 'UPSTREAM_UNAVAILABLE' })).toBe(1);
    expect(sumOf(e, 'mcpkit_breaker_transitions_total', { breaker: 'billing', state: 'open' })).toBe(1);
    expect(sumOf(e, 'mcpkit_breaker_state', { breaker: 'billing' })).toBe(1);
    expect(sumOf(e, 'mcpkit_bulkhead_rejections_total', { bulkhead: 'pdf' })).toBe(1);
    expect(sumOf(e, 'mcpkit_ratelimit_rejections_total')).toBe(2);
    expect(sumOf(e, 'mcpkit_edge_refusals_total', { status: '401', error_type: 'UNAUTHORIZED' })).toBe(1);
  });
});
