import { createServer, McpkitError } from '@mcpkit/core';
import { logging, tracing } from '@mcpkit/middleware';
import {
  connectTestClient,
  createTestClient,
  resultText,
  serveForTest,
  type TestServer,
} from '@mcpkit/testing';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { captureLogger } from '../fixtures/capture-logger.js';

let served: TestServer | undefined;
afterEach(async () => {
  await served?.close();
  served = undefined;
});

function inMemoryTracing() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return { exporter, provider };
}

const makeServer = (provider: BasicTracerProvider | undefined, extra?: Parameters<typeof logging>[0]) => {
  const builder = createServer({ name: 'traced', version: '1.0.0' }).use(
    tracing(provider ? { tracerProvider: provider } : {}),
  );
  if (extra) builder.use(logging(extra));
  return builder
    .tool('add', {
      description: 'Adds',
      input: z.object({ a: z.number(), b: z.number() }),
      handler: ({ a, b }, ctx) => {
        // A handler makes a child of the request span through ctx.state.span.
        if (provider && ctx.state.span) {
          provider
            .getTracer('handler')
            .startSpan('db.query', {}, trace.setSpan(ROOT_CONTEXT, ctx.state.span))
            .end();
        }
        return `${a + b} ${ctx.state.traceId ?? 'no-trace'}`;
      },
    })
    .tool('deny', {
      description: 'Refuses',
      handler: () => {
        throw new McpkitError('FORBIDDEN', 'No.');
      },
    })
    .resource('docs://readme', { name: 'readme', description: 'Readme', read: () => 'hello' });
};

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${PARENT_SPAN}-01`;

describe('tracing()', () => {
  it('starts a server span named "{method} {tool}" with semconv attributes and the _meta.traceparent parent, over HTTP (acceptance 4)', async () => {
    const { exporter, provider } = inMemoryTracing();
    served = await serveForTest(makeServer(provider));
    const client = await connectTestClient(served.url);
    const text = resultText(
      await client.callTool('add', { a: 2, b: 3 }, { meta: { traceparent: TRACEPARENT } }),
    );
    await client.close();
    const spans = exporter.getFinishedSpans();
    const server = spans.find((s) => s.name === 'tools/call add');
    const child = spans.find((s) => s.name === 'db.query');
    expect(server).toBeDefined();
    expect(server?.kind).toBe(SpanKind.SERVER);
    expect(server?.attributes).toMatchObject({
      'mcp.method.name': 'tools/call',
      'gen_ai.tool.name': 'add',
      'gen_ai.operation.name': 'execute_tool',
      'mcp.protocol.version': '2026-07-28',
      'jsonrpc.request.id': expect.any(String),
    });
    expect(server?.spanContext().traceId).toBe(TRACE_ID);
    expect(server?.parentSpanContext?.spanId).toBe(PARENT_SPAN);
    expect(server?.parentSpanContext?.isRemote).toBe(true);
    expect(child?.parentSpanContext?.spanId).toBe(server?.spanContext().spanId);
    expect(text).toBe(`5 ${TRACE_ID}`);
    console.log(
      `[acceptance 4] tracing: span "${server?.name}" kind=SERVER attrs=${JSON.stringify(server?.attributes)} trace=${server?.spanContext().traceId} parent=${server?.parentSpanContext?.spanId} (from _meta.traceparent ${TRACEPARENT})`,
    );
  });

  it('falls back to the HTTP traceparent header when _meta has none', async () => {
    const { exporter, provider } = inMemoryTracing();
    served = await serveForTest(makeServer(provider));
    const client = await connectTestClient(served.url, { headers: { traceparent: TRACEPARENT } });
    await client.callTool('add', { a: 1, b: 1 });
    await client.close();
    const span = exporter.getFinishedSpans().find((s) => s.name === 'tools/call add');
    expect(span?.spanContext().traceId).toBe(TRACE_ID);
    expect(span?.parentSpanContext?.spanId).toBe(PARENT_SPAN);
  });

  it('starts a new trace when the traceparent is malformed', async () => {
    const { exporter, provider } = inMemoryTracing();
    const client = await createTestClient(makeServer(provider));
    await client.callTool(
      'add',
      { a: 1, b: 1 },
      { meta: { traceparent: `00-${'0'.repeat(32)}-${PARENT_SPAN}-01` } },
    );
    await client.close();
    const span = exporter.getFinishedSpans().find((s) => s.name === 'tools/call add');
    expect(span?.parentSpanContext).toBeUndefined();
    expect(span?.spanContext().traceId).not.toBe('0'.repeat(32));
  });

  it('marks coded tool failures and protocol errors with error.type and an error status', async () => {
    const { exporter, provider } = inMemoryTracing();
    const client = await createTestClient(makeServer(provider));
    await client.callTool('deny');
    await client.callToolUnchecked('add', { a: 'x' });
    await expect(client.getPrompt('missing')).rejects.toThrow();
    await client.close();
    const byName = new Map(exporter.getFinishedSpans().map((s) => [s.name, s]));
    expect(byName.get('tools/call deny')?.attributes['error.type']).toBe('FORBIDDEN');
    expect(byName.get('tools/call deny')?.status.code).toBe(SpanStatusCode.ERROR);
    expect(byName.get('tools/call add')?.attributes['error.type']).toBe('VALIDATION_FAILED');
    expect(byName.get('prompts/get missing')?.attributes).toMatchObject({
      'error.type': '-32602',
      'rpc.response.status_code': '-32602',
      'gen_ai.prompt.name': 'missing',
    });
  });

  it('keeps resource URIs out of span names but records them as mcp.resource.uri', async () => {
    const { exporter, provider } = inMemoryTracing();
    const client = await createTestClient(makeServer(provider));
    await client.readResource('docs://readme');
    await client.listTools();
    await client.close();
    const names = exporter.getFinishedSpans().map((s) => s.name);
    expect(names).toContain('resources/read');
    expect(names).toContain('tools/list');
    const read = exporter.getFinishedSpans().find((s) => s.name === 'resources/read');
    expect(read?.attributes['mcp.resource.uri']).toBe('docs://readme');
    expect(read?.status.code).not.toBe(SpanStatusCode.ERROR);
  });

  it('records mcp.session.id for legacy sessions over HTTP', async () => {
    const { exporter, provider } = inMemoryTracing();
    served = await serveForTest(makeServer(provider), { sessions: true });
    const client = await connectTestClient(served.url, { era: 'legacy' });
    await client.callTool('add', { a: 1, b: 2 });
    await client.close();
    const span = exporter.getFinishedSpans().find((s) => s.name === 'tools/call add');
    expect(span?.attributes['mcp.session.id']).toEqual(expect.any(String));
    expect(span?.attributes['mcp.protocol.version']).toBe('2025-11-25');
  });

  it('is a no-op without an OpenTelemetry SDK, still passing the caller trace id through', async () => {
    const client = await createTestClient(makeServer(undefined));
    expect(resultText(await client.callTool('add', { a: 1, b: 2 }))).toBe('3 no-trace');
    expect(
      resultText(await client.callTool('add', { a: 1, b: 2 }, { meta: { traceparent: TRACEPARENT } })),
    ).toBe(`3 ${TRACE_ID}`);
    await client.close();
  });

  it('puts the span trace id on log lines when it wraps logging', async () => {
    const { exporter, provider } = inMemoryTracing();
    const capture = captureLogger();
    const client = await createTestClient(makeServer(provider, { logger: capture.logger }));
    await client.callTool('add', { a: 1, b: 2 });
    await client.close();
    const span = exporter.getFinishedSpans().find((s) => s.name === 'tools/call add');
    const line = capture.lines().find((l) => l.tool === 'add');
    expect(line?.traceId).toBe(span?.spanContext().traceId);
  });

  it('uses a globally registered SDK from the moment it registers, and the no-op path before and after', async () => {
    const { exporter, provider } = inMemoryTracing();
    const seen: Array<{ recording: boolean; traceId: string | undefined }> = [];
    const builder = createServer({ name: 'global', version: '1.0.0' })
      .use(tracing())
      .tool('probe', {
        description: 'Reports the span it runs under',
        handler: (_args, ctx) => {
          seen.push({ recording: ctx.state.span?.isRecording() ?? false, traceId: ctx.state.traceId });
          return 'ok';
        },
      });
    const client = await createTestClient(builder);
    try {
      await client.callTool('probe', {}, { meta: { traceparent: TRACEPARENT } });
      expect(trace.setGlobalTracerProvider(provider)).toBe(true);
      await client.callTool('probe', {}, { meta: { traceparent: TRACEPARENT } });
    } finally {
      trace.disable();
    }
    await client.callTool('probe');
    await client.close();

    expect(seen[0]).toEqual({ recording: false, traceId: TRACE_ID });
    expect(seen[1]).toEqual({ recording: true, traceId: TRACE_ID });
    expect(seen[2]).toEqual({ recording: false, traceId: undefined });
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name)).toEqual(['tools/call probe']);
    expect(spans[0]?.parentSpanContext?.spanId).toBe(PARENT_SPAN);
  });
});
