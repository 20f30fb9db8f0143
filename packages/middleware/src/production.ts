import type { Middleware, Plugin, ServerBuilder } from '@mcpkit/core';
import { type AuditOptions, type AuditPlugin, audit } from './audit/audit.js';
import type { AuditRecord } from './audit/audit-record.js';
import { type LoggingOptions, logging } from './logging/logging.js';
import { type MetricsOptions, type MetricsPlugin, metrics } from './metrics/metrics.js';
import { type RequestIdOptions, requestId } from './request-id/request-id.js';
import { tryLoadOtelApi } from './tracing/load-otel-api.js';
import { type TracingOptions, tracing } from './tracing/tracing.js';

/**
 * Options of {@link production}. Each observability part takes its options, or `false` to leave it
 * out. `T` is what the audit sink's `encode` makes of a record (see {@link AuditOptions}).
 */
export interface ProductionOptions<T = AuditRecord> {
  /** Request ids at the HTTP edge. Default: `{}` (on). */
  requestId?: RequestIdOptions | false;
  /**
   * OpenTelemetry server spans. Default: `{}` (on; a no-op until an SDK is registered) when
   * `@opentelemetry/api` is installed, off when it is not. Passing options requires the package.
   */
  tracing?: TracingOptions | false;
  /** One pino line per request. Default: `{}` (on). */
  logging?: LoggingOptions | false;
  /** Prometheus metrics. Default: `{}` (on, no endpoint; pass `{ endpoint: '/metrics' }` to serve them). */
  metrics?: MetricsOptions | false;
  /** Authentication, already built (`apiKey(...)`, `jwt(...)`, an OAuth resource server, …). Default: none. */
  auth?: Plugin | Middleware;
  /** Rate limiting, already built (`rateLimit(...)`). Default: none. */
  rateLimit?: Plugin | Middleware;
  /** Audit trail of tool calls; it needs a sink, so it is off unless given. Default: off. */
  audit?: AuditOptions<T> | false;
}

/** The plugin {@link production} returns; the parts that have state of their own are reachable on it. */
export interface ProductionPreset extends Plugin {
  /** The metrics plugin (its `registry`), when metrics are on. */
  readonly metrics: MetricsPlugin | undefined;
  /** The audit plugin (`flush()`, `close()`, `dropped`), when audit is on. */
  readonly audit: AuditPlugin | undefined;
}

/**
 * The production stack in one `.use()`, outermost first: request id → tracing → logging →
 * metrics → auth → rate limit → audit. Ids come first so every line and span carries one; the span
 * wraps logging so each log line carries its trace id; metrics (fed by core's request events) and
 * logs see auth and rate-limit refusals; audit is innermost, so it records only calls that got past
 * auth and rate limiting, with the caller's verified identity.
 */
export function production<T = AuditRecord>(options: ProductionOptions<T> = {}): ProductionPreset {
  const metricsPlugin = options.metrics === false ? undefined : metrics(options.metrics ?? {});
  const auditPlugin = options.audit ? audit(options.audit) : undefined;
  const parts: Array<Plugin | Middleware> = [];
  if (options.requestId !== false) parts.push(requestId(options.requestId ?? {}));
  // Tracing by default only where @opentelemetry/api is installed (without it no SDK can be
  // registered, so the spans would be no-ops anyway); asked for explicitly, it must load.
  const tracingWanted =
    options.tracing === undefined ? !(tryLoadOtelApi() instanceof Error) : options.tracing !== false;
  if (tracingWanted) parts.push(tracing(options.tracing || {}));
  if (options.logging !== false) parts.push(logging(options.logging ?? {}));
  if (metricsPlugin !== undefined) parts.push(metricsPlugin);
  if (options.auth !== undefined) parts.push(options.auth);
  if (options.rateLimit !== undefined) parts.push(options.rateLimit);
  if (auditPlugin !== undefined) parts.push(auditPlugin);

  return {
    name: 'production',
    metrics: metricsPlugin,
    audit: auditPlugin,
    install(builder: ServerBuilder) {
      // One .use() per part keeps the builder's own ordering rules (plugins install in place).
      for (const part of parts) builder.use(part);
    },
  };
}
