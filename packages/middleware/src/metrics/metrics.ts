import type { Plugin, RouteHandler, RouteResponse, ServerBuilder, TelemetryEvents } from '@mcpkit/core';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { LabelCap } from './label-cap.js';
import { OperationSeries } from './operation-series.js';
import { exportTaskMetrics, TASK_DURATION_BUCKETS } from './task-metrics.js';
import { exportTelemetryCounters } from './telemetry-counters.js';

/**
 * Bucket boundaries (seconds) the OpenTelemetry MCP semantic conventions specify for
 * `mcp.server.operation.duration`. Source: https://opentelemetry.io/docs/specs/semconv/gen-ai/mcp/
 * (now maintained in open-telemetry/semantic-conventions-genai, docs/gen-ai/mcp.md).
 */
export const MCP_DURATION_BUCKETS: readonly number[] = Object.freeze([
  0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300,
]);

/** Options of {@link metrics}. */
export interface MetricsOptions {
  /** Registry the metrics are registered in. Default: a new `Registry` per call (exposed as `.registry`). */
  registry?: Registry;
  /** Serve the registry as Prometheus text at this HTTP path (e.g. `/metrics`) beside the MCP endpoint. Default: not served. */
  endpoint?: string;
  /** Also collect prom-client's Node.js process metrics into the registry. Default: false. */
  defaultMetrics?: boolean;
  /** Most distinct tool names kept as label values; later names become `_other`. Default: 200. */
  maxToolNames?: number;
  /** Histogram buckets in seconds. Default: {@link MCP_DURATION_BUCKETS}. */
  buckets?: readonly number[];
  /** Buckets in seconds of `mcpkit_task_duration_seconds` (tasks of the Tasks extension). Default: {@link TASK_DURATION_BUCKETS}. */
  taskBuckets?: readonly number[];
}

/** The plugin {@link metrics} returns: install it with `.use()`, read `.registry` to scrape it yourself. */
export interface MetricsPlugin extends Plugin {
  /** The registry holding every metric this plugin records. */
  readonly registry: Registry;
  /** Prometheus text of the registry (what the endpoint serves). */
  scrape(): Promise<string>;
}

type EndEvent = TelemetryEvents['request.end'];

/**
 * Prometheus metrics on prom-client, named after the OpenTelemetry MCP semantic conventions:
 * `mcp_server_operation_duration_seconds` (labels `mcp_method_name`, `gen_ai_tool_name`,
 * `error_type`), `mcp_server_requests_total` by outcome, `mcp_server_requests_in_flight`, and
 * counters for core telemetry (cache, upstream retries and give-ups, breakers, bulkheads, rate
 * limits), and tasks of the Tasks extension (created, ended by outcome, durations, running). Requests are measured from core's `request.start`/`request.end` events, so every
 * request counts — including ones refused by auth or rate-limit middleware and calls naming an
 * unknown tool (those collapse into the tool label `_other`).
 */
export function metrics(options: MetricsOptions = {}): MetricsPlugin {
  const registry = options.registry ?? new Registry();
  const registers = [registry];
  const tools = new LabelCap(options.maxToolNames ?? 200);
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry });

  const operations = new OperationSeries(options.buckets ?? MCP_DURATION_BUCKETS);
  operations.register(
    registry,
    {
      name: 'mcp_server_operation_duration_seconds',
      help: 'MCP request duration as observed by the server, from receipt until the result is ready.',
    },
    {
      name: 'mcp_server_requests_total',
      help: 'MCP requests handled, by method, tool and outcome (ok or error).',
    },
  );
  // The gauge reads a plain number at scrape time, so a request pays an increment, not a metric update.
  let inFlight = 0;
  new Gauge({
    name: 'mcp_server_requests_in_flight',
    help: 'MCP requests being handled right now.',
    registers,
    collect() {
      this.set(inFlight);
    },
  });

  const onStart = (): void => {
    inFlight++;
  };
  const onEnd = (event: EndEvent): void => {
    inFlight--;
    const errorType = event.errorCode ?? '';
    let tool = '';
    // Only tools/call names are labels; resource URIs and prompt names stay out of the series key.
    if (event.method === 'tools/call' && event.name !== undefined) {
      // A tools/call that reached a tool's chain ends with a result (coded or ok); only a protocol
      // error (a negative JSON-RPC code, e.g. an unknown tool) can carry a name nobody registered.
      tool = errorType.startsWith('-') ? tools.value(event.name) : tools.take(event.name);
    }
    operations.record(event.method, tool, errorType, event.durationMs / 1000);
  };

  const scrape = () => registry.metrics();
  const route: RouteHandler = async (req): Promise<RouteResponse> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return { status: 405, headers: { allow: 'GET, HEAD' }, body: '' };
    }
    return {
      status: 200,
      headers: { 'content-type': registry.contentType },
      body: req.method === 'HEAD' ? '' : await scrape(),
    };
  };

  return {
    name: 'metrics',
    registry,
    scrape,
    install(builder: ServerBuilder) {
      builder.telemetry.on('request.start', onStart);
      builder.telemetry.on('request.end', onEnd);
      exportTelemetryCounters(builder.telemetry, registry, tools);
      exportTaskMetrics(builder.telemetry, registry, tools, options.taskBuckets ?? TASK_DURATION_BUCKETS);
      if (options.endpoint !== undefined) builder.route(options.endpoint, route);
    },
  };
}
