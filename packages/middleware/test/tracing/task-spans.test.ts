import { createServer } from '@mcpkit/core';
import { tracing } from '@mcpkit/middleware';
import { createTestClient, resultText, type TestClient } from '@mcpkit/testing';
import { ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { taskClient, untilStatus, withTaskTools } from '../fixtures/task-calls.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${PARENT_SPAN}-01`;

const clients: TestClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
});

async function tracedTasks() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const child = (parent: Span | undefined, name: string) =>
    provider
      .getTracer('handler')
      .startSpan(name, {}, trace.setSpan(ROOT_CONTEXT, parent as Span))
      .end();
  const builder = createServer({ name: 'traced-tasks', version: '1.0.0' })
    .tool('report', {
      description: 'Builds a report as a task',
      taskSupport: 'optional',
      handler: async (_args, ctx) => {
        child(ctx.state.span, 'crm.query');
        return 'report ready';
      },
    })
    .tool('import', {
      description: 'Checks its input, then detaches',
      taskSupport: 'optional',
      task: { detach: 'manual' },
      handler: async (_args, ctx) => {
        const span = ctx.state.span;
        child(span, 'check.input');
        await ctx.detach();
        child(span, 'import.rows');
        return 'imported';
      },
    });
  const client = await taskClient(builder, tracing({ tracerProvider: provider }));
  clients.push(client);
  const spans = () => exporter.getFinishedSpans();
  const named = (name: string) => spans().find((s) => s.name === name) as ReadableSpan;
  return { client, spans, named };
}

async function ended(spans: () => ReadableSpan[], name: string): Promise<ReadableSpan> {
  for (let i = 0; i < 200; i++) {
    const span = spans().find((s) => s.name === name);
    if (span !== undefined) return span;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`span ${name} never ended`);
}

const nanos = (time: [number, number]) => BigInt(time[0]) * 1_000_000_000n + BigInt(time[1]);

describe('tracing() for tasks', () => {
  it("ends the request span when the task is created and runs the task in a child span of the caller's trace", async () => {
    const { client, spans, named } = await tracedTasks();
    const created = await client.send('tools/call', {
      name: 'report',
      arguments: {},
      _meta: { traceparent: TRACEPARENT },
    });
    await untilStatus(client, created.taskId, 'completed');
    const run = await ended(spans, 'task report');
    const request = named('tools/call report');
    expect(request.kind).toBe(SpanKind.SERVER);
    expect(request.spanContext().traceId).toBe(TRACE_ID);
    expect(request.parentSpanContext?.spanId).toBe(PARENT_SPAN);
    expect(request.attributes['mcp.task.id']).toBe(created.taskId);
    expect(nanos(request.endTime)).toBeLessThanOrEqual(nanos(run.endTime));

    expect(run.kind).toBe(SpanKind.INTERNAL);
    expect(run.spanContext().traceId).toBe(TRACE_ID);
    expect(run.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
    expect(run.attributes).toMatchObject({
      'gen_ai.tool.name': 'report',
      'mcp.task.id': created.taskId,
      'mcp.task.status': 'completed',
    });
    expect(run.status.code).toBe(SpanStatusCode.UNSET);
    // The handler's own span nests under the task's run.
    expect(named('crm.query').parentSpanContext?.spanId).toBe(run.spanContext().spanId);
  });

  it('hands the span over at ctx.detach(): work before it belongs to the request, work after it to the task', async () => {
    const { client, spans, named } = await tracedTasks();
    const created = await client.send('tools/call', { name: 'import', arguments: {} });
    await untilStatus(client, created.taskId, 'completed');
    const run = await ended(spans, 'task import');
    const request = named('tools/call import');
    expect(named('check.input').parentSpanContext?.spanId).toBe(request.spanContext().spanId);
    expect(named('import.rows').parentSpanContext?.spanId).toBe(run.spanContext().spanId);
    expect(run.spanContext().traceId).toBe(request.spanContext().traceId);
  });

  it('marks the run of a cancelled task and of a failed one as errors with their status', async () => {
    const { client, spans } = await tracedTasks();
    const long = await client.send('tools/call', { name: 'work', arguments: { ms: 60_000 } });
    await client.send('tasks/cancel', { taskId: long.taskId });
    const broken = await client.send('tools/call', { name: 'breaks', arguments: {} });
    await untilStatus(client, broken.taskId, 'failed');
    const cancelledRun = await ended(spans, 'task work');
    const failedRun = await ended(spans, 'task breaks');
    expect(cancelledRun.attributes).toMatchObject({
      'mcp.task.status': 'cancelled',
      'error.type': 'cancelled',
    });
    expect(cancelledRun.status.code).toBe(SpanStatusCode.ERROR);
    expect(failedRun.attributes).toMatchObject({ 'mcp.task.status': 'failed', 'error.type': '-32603' });
    expect(failedRun.status.code).toBe(SpanStatusCode.ERROR);
    // The requests themselves succeeded: each answered with its task.
    for (const name of ['tools/call work', 'tools/call breaks']) {
      expect(spans().find((s) => s.name === name)?.status.code).toBe(SpanStatusCode.UNSET);
    }
  });

  it('keeps one server span, and starts no task span, for a client that did not declare the extension', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const server = withTaskTools(
      createServer({ name: 'traced-tasks', version: '1.0.0' }).use(tracing({ tracerProvider: provider })),
    ).build();
    const client = await createTestClient(server, { era: 'legacy' });
    clients.push(client);
    expect(resultText(await client.callTool('work', { ms: 1 }))).toBe('worked 1 ms');
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['tools/call work']);
  });
});
