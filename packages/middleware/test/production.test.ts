import { createServer, McpkitError, type Middleware, type Plugin } from '@mcpkit/core';
import { type AuditRecord, production } from '@mcpkit/middleware';
import { connectTestClient, createTestClient, serveForTest, type TestServer } from '@mcpkit/testing';
import { mcpkitMatchers } from '@mcpkit/testing/vitest';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { captureLogger, recordingFetch } from './fixtures/capture-logger.js';
import { parsePrometheusText, sumOf } from './fixtures/prometheus-text.js';

expect.extend(mcpkitMatchers);

let served: TestServer | undefined;
afterEach(async () => {
  await served?.close();
  served = undefined;
});

// Stand-ins for the auth and rate-limit factories: the preset only needs built middleware.
const bearerAuth: Middleware = (ctx, next) => {
  const match = /^Bearer (user-\w+)$/.exec(ctx.headers.authorization ?? '');
  if (!match) throw new McpkitError('UNAUTHORIZED', 'A bearer token is required.');
  ctx.auth = { subject: match[1] as string, scopes: [] };
  return next();
};

function perCallerLimit(limit: number): Middleware {
  const used = new Map<string, number>();
  return (ctx, next) => {
    if (ctx.method !== 'tools/call') return next();
    const key = ctx.auth?.subject ?? 'anonymous';
    const n = (used.get(key) ?? 0) + 1;
    used.set(key, n);
    if (n > limit) throw new McpkitError('RATE_LIMITED', 'Slow down.', { retryAfterMs: 1000 });
    return next();
  };
}

function makeStack() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const capture = captureLogger();
  const records: AuditRecord[] = [];
  const preset = production({
    tracing: { tracerProvider: provider },
    logging: { logger: capture.logger, logArguments: true },
    metrics: { endpoint: '/metrics' },
    auth: bearerAuth,
    rateLimit: perCallerLimit(3),
    audit: { sink: (batch) => void records.push(...batch) },
  });
  const builder = createServer({ name: 'prod', version: '1.0.0', logger: capture.logger })
    .use(preset)
    .tool('echo', {
      description: 'Echoes',
      input: z.object({ text: z.string(), token: z.string().optional() }),
      handler: ({ text }) => text,
    });
  return { builder, preset, exporter, capture, records };
}

describe('production()', () => {
  it('composes ids, traces, logs, metrics, auth, rate limit and audit in order, over HTTP', async () => {
    const { builder, preset, exporter, capture, records } = makeStack();
    served = await serveForTest(builder);

    const anonymous = await connectTestClient(served.url);
    expect(await anonymous.callTool('echo', { text: 'hi' })).toBeToolError('UNAUTHORIZED');
    await anonymous.close();

    const responses: Headers[] = [];
    const alice = await connectTestClient(served.url, {
      headers: { authorization: 'Bearer user-alice', 'x-request-id': 'alice-req' },
      fetch: recordingFetch(responses),
    });
    const outcomes: string[] = [];
    for (let i = 0; i < 5; i++) {
      const result = await alice.callTool('echo', { text: `m${i}`, token: 'tok_secret_value' });
      outcomes.push(
        result.isError ? (result.structuredContent as { error: { code: string } }).error.code : 'ok',
      );
    }
    await alice.close();
    expect(outcomes).toEqual(['ok', 'ok', 'ok', 'RATE_LIMITED', 'RATE_LIMITED']);
    expect(responses.at(-1)?.get('x-request-id')).toBe('alice-req');

    // Logs: every tool line has a request id, a duration and the trace id of its span; refusals included.
    const spans = exporter.getFinishedSpans().filter((s) => s.name === 'tools/call echo');
    const lines = capture.lines().filter((l) => l.tool === 'echo' && l.msg === 'request completed');
    expect(lines).toHaveLength(6);
    expect(lines.map((l) => l.errorCode ?? 'ok')).toEqual([
      'UNAUTHORIZED',
      'ok',
      'ok',
      'ok',
      'RATE_LIMITED',
      'RATE_LIMITED',
    ]);
    expect(new Set(lines.map((l) => l.traceId))).toEqual(new Set(spans.map((s) => s.spanContext().traceId)));
    expect(lines[1]).toMatchObject({
      requestId: 'alice-req',
      callerId: 'user-alice',
      args: { token: '[Redacted]' },
    });
    expect(capture.raw.join('')).not.toContain('tok_secret_value');

    // Metrics: auth and rate-limit refusals are counted.
    const exposition = parsePrometheusText(await (await fetch(`${served.origin}/metrics`)).text());
    const count = (error_type: string) =>
      sumOf(exposition, 'mcp_server_operation_duration_seconds_count', {
        gen_ai_tool_name: 'echo',
        error_type,
      });
    expect([count(''), count('UNAUTHORIZED'), count('RATE_LIMITED')]).toEqual([3, 1, 2]);
    expect(await preset.metrics?.scrape()).toContain('mcp_server_requests_total');

    // Audit: innermost, so only the three calls that passed auth and the limit, with the verified caller.
    await preset.audit?.flush();
    expect(records.map((r) => [r.caller, r.outcome])).toEqual([
      ['user-alice', 'ok'],
      ['user-alice', 'ok'],
      ['user-alice', 'ok'],
    ]);
    expect(records[0]?.args).toEqual({ text: 'm0', token: '[Redacted]' });
  });

  it('installs plugin-shaped auth and leaves out parts set to false', async () => {
    const guardAuth: Plugin = {
      name: 'test-auth',
      install(builder) {
        builder.guard(() => ({ auth: { subject: 'svc-1', scopes: [] } }));
      },
    };
    const preset = production({
      requestId: false,
      tracing: false,
      logging: false,
      metrics: false,
      auth: guardAuth,
    });
    expect(preset.metrics).toBeUndefined();
    expect(preset.audit).toBeUndefined();
    const builder = createServer({ name: 'lean', version: '1.0.0' })
      .use(preset)
      .tool('who', { description: 'Caller', handler: (_a, ctx) => ctx.auth?.subject ?? 'anonymous' });
    served = await serveForTest(builder);
    const client = await connectTestClient(served.url);
    const result = await client.callTool('who');
    expect(result.content).toEqual([{ type: 'text', text: 'svc-1' }]);
    await client.close();
  });

  it('runs in process too, where the edge-only parts simply do nothing', async () => {
    const { builder, capture } = makeStack();
    const client = await createTestClient(builder, { headers: { authorization: 'Bearer user-bob' } });
    await client.callTool('echo', { text: 'x' });
    await client.close();
    expect(capture.lines().find((l) => l.msg === 'request completed' && l.tool === 'echo')).toMatchObject({
      callerId: 'user-bob',
      outcome: 'ok',
    });
  });
});
