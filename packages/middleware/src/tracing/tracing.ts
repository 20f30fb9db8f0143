import { type BaseContext, type Middleware, redact, type ToolCallContext } from '@mcpkit/core';
import type { Attributes, Context, Span, Tracer, TracerProvider } from '@opentelemetry/api';
import { classifyError, classifyResult } from '../outcome/classify-outcome.js';
import { loadOtelApi, type OtelApi } from './load-otel-api.js';
import { HandoffSpan, mayBecomeTask, type PendingCall, taskSpansOf } from './task-spans.js';
import { parseTraceparent } from './traceparent.js';
import './trace-state.js';

/** Options of {@link tracing}. */
export interface TracingOptions {
  /** Tracer to start spans with. Default: from `tracerProvider`. */
  tracer?: Tracer;
  /** Provider to get the tracer from. Default: the global one (a no-op until an OpenTelemetry SDK registers). */
  tracerProvider?: TracerProvider;
  /** Take the parent from the HTTP `traceparent` header when `params._meta` has none. Default: true. */
  httpTraceparent?: boolean;
}

const TRACER_NAME = '@mcpkit/middleware';

/** The low-cardinality span name target: tool or prompt name (resource URIs stay out of names, per semconv). */
function spanName(ctx: BaseContext): string {
  if ((ctx.method === 'tools/call' || ctx.method === 'prompts/get') && ctx.name !== undefined) {
    return `${ctx.method} ${ctx.name}`;
  }
  return ctx.method;
}

function attributesOf(ctx: BaseContext): Attributes {
  const attributes: Attributes = {
    'mcp.method.name': ctx.method,
    'mcp.protocol.version': ctx.protocolVersion,
    'jsonrpc.request.id': String(ctx.rpcId),
    'mcpkit.request.id': ctx.requestId,
  };
  if (ctx.method === 'tools/call') {
    attributes['gen_ai.tool.name'] = ctx.name;
    attributes['gen_ai.operation.name'] = 'execute_tool';
  } else if (ctx.method === 'prompts/get') {
    attributes['gen_ai.prompt.name'] = ctx.name;
  } else if (ctx.method === 'resources/read') {
    // A URI can carry credentials (`postgres://admin:…@db`).
    attributes['mcp.resource.uri'] = redact(ctx.name) as string;
  }
  const session = ctx.headers['mcp-session-id'];
  if (session !== undefined) attributes['mcp.session.id'] = session;
  return attributes;
}

/**
 * The parent context: `params._meta.traceparent` (the MCP semconv propagation), else the HTTP
 * `traceparent` header, else whatever context is active (an HTTP instrumentation's span).
 */
function parentOf(api: OtelApi, ctx: BaseContext, useHeader: boolean): Context {
  const meta = (ctx.params as { _meta?: { traceparent?: unknown; tracestate?: unknown } })._meta;
  let carrier: { traceparent?: unknown; tracestate?: unknown } | undefined = meta;
  let remote = parseTraceparent(meta?.traceparent);
  if (remote === undefined && useHeader) {
    carrier = ctx.headers;
    remote = parseTraceparent(ctx.headers.traceparent);
  }
  if (remote === undefined) return api.context.active();
  const state = carrier?.tracestate;
  if (typeof state === 'string' && state.length > 0) remote.traceState = api.createTraceState(state);
  return api.trace.setSpanContext(api.ROOT_CONTEXT, remote);
}

function finish(api: OtelApi, span: Span, errorType: string | undefined, error?: unknown): void {
  if (errorType !== undefined && span.isRecording()) {
    span.setAttribute('error.type', errorType);
    if (errorType.startsWith('-')) span.setAttribute('rpc.response.status_code', errorType);
    span.setStatus({
      code: api.SpanStatusCode.ERROR,
      message: error instanceof Error ? (redact(error.message) as string) : errorType,
    });
    // Stack traces only for unexpected failures: coded errors are part of the contract. What an
    // exporter receives passes the same redaction as a log line.
    if (errorType === 'INTERNAL' && error instanceof Error) {
      span.recordException({
        name: error.name,
        message: redact(error.message) as string,
        ...(error.stack !== undefined ? { stack: redact(error.stack) as string } : {}),
      });
    }
  }
  span.end();
}

/**
 * A server span per request on `@opentelemetry/api`, named `{mcp.method.name} {target}` with the
 * MCP semantic-convention attributes; the parent comes from `params._meta.traceparent`, else the
 * HTTP `traceparent`. The span is active while inner layers run and is put on `ctx.state.span`
 * (its trace id on `ctx.state.traceId`). Without a registered OpenTelemetry SDK it costs a no-op span.
 *
 * A `tools/call` that becomes a task (the Tasks extension) ends its request span when the client
 * gets the task, and its detached run gets a `task {tool}` span (kind internal, a child of the
 * request span, attributes `mcp.task.id` and, at the end, `mcp.task.status`), which is then the
 * active span and `ctx.state.span` for the handler.
 *
 * `@opentelemetry/api` is an optional peer dependency, loaded by this call: without it installed,
 * `tracing()` throws a `VALIDATION_FAILED` `McpkitError` whose hint names the install command.
 */
export function tracing(options: TracingOptions = {}): Middleware {
  const api = loadOtelApi();
  const { context, trace } = api;
  // What the API's global provider delegates to while no SDK is registered (a shared singleton).
  const noopProvider = new api.ProxyTracerProvider().getDelegate();
  // Stateless, so one instance serves every request that has no trace to carry.
  const invalidSpan = trace.wrapSpanContext(api.INVALID_SPAN_CONTEXT);
  /** True while no OpenTelemetry SDK has registered a global tracer provider (checked per request: an SDK may register later). */
  const sdkMissing = (): boolean => {
    const provider = trace.getTracerProvider();
    return provider instanceof api.ProxyTracerProvider && provider.getDelegate() === noopProvider;
  };
  const tracer = options.tracer ?? (options.tracerProvider ?? trace).getTracer(TRACER_NAME);
  const useHeader = options.httpTraceparent ?? true;
  const global = options.tracer === undefined && options.tracerProvider === undefined;

  /**
   * What the no-op tracer would do, without its cost: no name, attributes, span object or context
   * per request. A caller's trace (a valid parent) still becomes the active span context, so log
   * lines and outgoing calls carry it, exactly as with the no-op tracer.
   */
  const untraced: Middleware = (ctx, next) => {
    const parent = parentOf(api, ctx, useHeader);
    const parentContext = trace.getSpanContext(parent);
    if (parentContext === undefined || !trace.isSpanContextValid(parentContext)) {
      ctx.state.span = invalidSpan;
      return next();
    }
    const span = trace.wrapSpanContext(parentContext);
    ctx.state.span = span;
    ctx.state.traceId = parentContext.traceId;
    return context.with(trace.setSpan(parent, span), next);
  };

  const traced: Middleware = async (ctx, next) => {
    const parent = parentOf(api, ctx, useHeader);
    const span = tracer.startSpan(
      spanName(ctx),
      { kind: api.SpanKind.SERVER, attributes: attributesOf(ctx) },
      parent,
    );
    const spanContext = span.spanContext();
    ctx.state.span = span;
    if (trace.isSpanContextValid(spanContext)) ctx.state.traceId = spanContext.traceId;
    if (mayBecomeTask(ctx)) return tracedTask(ctx as ToolCallContext, next, parent, span);
    let result: Awaited<ReturnType<typeof next>>;
    try {
      result = await context.with(trace.setSpan(parent, span), next);
    } catch (error) {
      finish(api, span, classifyError(error).errorType, error);
      throw error;
    }
    finish(api, span, classifyResult(result).errorType);
    return result;
  };

  /** A call that may become a task: its run gets a span of its own once it does (see TaskSpans). */
  const tracedTask = async (
    ctx: ToolCallContext,
    next: Parameters<Middleware>[1],
    parent: Context,
    span: Span,
  ): Promise<Awaited<ReturnType<typeof next>>> => {
    const tasks = taskSpansOf(ctx.telemetry, api, (s, errorType, error) => finish(api, s, errorType, error));
    const call: PendingCall = { ctx, span, handoff: new HandoffSpan(span), tracer };
    ctx.state.span = call.handoff;
    tasks.begin(call);
    let result: Awaited<ReturnType<typeof next>>;
    try {
      result = await context.with(trace.setSpan(parent, call.handoff), next);
    } catch (error) {
      const classified = classifyError(error);
      if (!tasks.done(call, classified, error)) finish(api, span, classified.errorType, error);
      throw error;
    }
    const classified = classifyResult(result);
    if (!tasks.done(call, classified)) finish(api, span, classified.errorType);
    return result;
  };

  return (ctx, next) => (global && sdkMissing() ? untraced(ctx, next) : traced(ctx, next));
}
