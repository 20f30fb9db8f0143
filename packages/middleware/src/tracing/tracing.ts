import type { BaseContext, Middleware } from '@mcpkit/core';
import {
  type Attributes,
  type Context,
  context,
  createTraceState,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import { classifyError, classifyResult } from '../outcome/classify-outcome.js';
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
    attributes['mcp.resource.uri'] = ctx.name;
  }
  const session = ctx.headers['mcp-session-id'];
  if (session !== undefined) attributes['mcp.session.id'] = session;
  return attributes;
}

/**
 * The parent context: `params._meta.traceparent` (the MCP semconv propagation), else the HTTP
 * `traceparent` header, else whatever context is active (an HTTP instrumentation's span).
 */
function parentOf(ctx: BaseContext, useHeader: boolean): Context {
  const meta = (ctx.params as { _meta?: { traceparent?: unknown; tracestate?: unknown } })._meta;
  let carrier: { traceparent?: unknown; tracestate?: unknown } | undefined = meta;
  let remote = parseTraceparent(meta?.traceparent);
  if (remote === undefined && useHeader) {
    carrier = ctx.headers;
    remote = parseTraceparent(ctx.headers.traceparent);
  }
  if (remote === undefined) return context.active();
  const state = carrier?.tracestate;
  if (typeof state === 'string' && state.length > 0) remote.traceState = createTraceState(state);
  return trace.setSpanContext(ROOT_CONTEXT, remote);
}

function finish(span: Span, errorType: string | undefined, error?: unknown): void {
  if (errorType !== undefined && span.isRecording()) {
    span.setAttribute('error.type', errorType);
    if (errorType.startsWith('-')) span.setAttribute('rpc.response.status_code', errorType);
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: error instanceof Error ? error.message : errorType,
    });
    // Stack traces only for unexpected failures: coded errors are part of the contract.
    if (errorType === 'INTERNAL' && error instanceof Error) span.recordException(error);
  }
  span.end();
}

/**
 * A server span per request on `@opentelemetry/api`, named `{mcp.method.name} {target}` with the
 * MCP semantic-convention attributes; the parent comes from `params._meta.traceparent`, else the
 * HTTP `traceparent`. The span is active while inner layers run and is put on `ctx.state.span`
 * (its trace id on `ctx.state.traceId`). Without a registered OpenTelemetry SDK it costs a no-op span.
 */
export function tracing(options: TracingOptions = {}): Middleware {
  const tracer = options.tracer ?? (options.tracerProvider ?? trace).getTracer(TRACER_NAME);
  const useHeader = options.httpTraceparent ?? true;

  return async (ctx, next) => {
    const parent = parentOf(ctx, useHeader);
    const span = tracer.startSpan(
      spanName(ctx),
      { kind: SpanKind.SERVER, attributes: attributesOf(ctx) },
      parent,
    );
    const spanContext = span.spanContext();
    ctx.state.span = span;
    if (trace.isSpanContextValid(spanContext)) ctx.state.traceId = spanContext.traceId;
    let result: Awaited<ReturnType<typeof next>>;
    try {
      result = await context.with(trace.setSpan(parent, span), next);
    } catch (error) {
      finish(span, classifyError(error).errorType, error);
      throw error;
    }
    finish(span, classifyResult(result).errorType);
    return result;
  };
}
