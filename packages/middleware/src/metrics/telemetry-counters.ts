import type { Telemetry } from '@mcpkit/core';
import { Counter, Gauge, type Registry } from 'prom-client';
import { LabelCap } from './label-cap.js';

/** Breaker states as gauge values: 0 closed, 1 half-open, 2 open. */
const BREAKER_STATE = { close: 0, halfOpen: 1, open: 2 } as const;

/**
 * Exports core telemetry events (cache, upstream retries, breakers, bulkheads, rate limits) as
 * Prometheus counters in `registry`; returns a function that unsubscribes every listener.
 */
export function exportTelemetryCounters(
  telemetry: Telemetry,
  registry: Registry,
  tools: LabelCap,
): () => void {
  const registers = [registry];
  // Upstream, breaker and bulkhead names come from server code, not callers, but are capped all the same.
  const names = new LabelCap(200);
  const cache = new Counter({
    name: 'mcpkit_cache_events_total',
    help: 'Tool-result cache lookups by result (hit, miss, stale, coalesced) and layer.',
    labelNames: ['event', 'layer', 'gen_ai_tool_name'],
    registers,
  });
  const retries = new Counter({
    name: 'mcpkit_upstream_retries_total',
    help: 'Upstream calls retried, by upstream.',
    labelNames: ['upstream'],
    registers,
  });
  const giveups = new Counter({
    name: 'mcpkit_upstream_giveups_total',
    help: 'Upstream calls abandoned after the last attempt, by upstream and error code.',
    labelNames: ['upstream', 'error_type'],
    registers,
  });
  const transitions = new Counter({
    name: 'mcpkit_breaker_transitions_total',
    help: 'Circuit breaker state changes, by breaker and the state entered.',
    labelNames: ['breaker', 'state'],
    registers,
  });
  const breakerState = new Gauge({
    name: 'mcpkit_breaker_state',
    help: 'Current circuit breaker state: 0 closed, 1 half-open, 2 open.',
    labelNames: ['breaker'],
    registers,
  });
  const bulkhead = new Counter({
    name: 'mcpkit_bulkhead_rejections_total',
    help: 'Calls rejected by a full bulkhead, by bulkhead.',
    labelNames: ['bulkhead'],
    registers,
  });
  const rateLimited = new Counter({
    name: 'mcpkit_ratelimit_rejections_total',
    help: 'Requests refused by a rate limiter (the key is not a label: it is per caller).',
    registers,
  });
  const storeFailures = new Counter({
    name: 'mcpkit_ratelimit_store_failures_total',
    help: 'Rate-limit store calls that failed (Redis down or slow), by limiter and whether the request was served (fail-open).',
    labelNames: ['limiter', 'served'],
    registers,
  });
  const edgeRefusals = new Counter({
    name: 'mcpkit_edge_refusals_total',
    help: 'HTTP requests refused at the edge before dispatch (auth, rate limit), by status and error code.',
    labelNames: ['status', 'error_type'],
    registers,
  });
  const rateWaits = new Counter({
    name: 'mcpkit_ratelimit_waits_total',
    help: 'Calls delayed by a client-side rate limiter, by limiter.',
    labelNames: ['limiter'],
    registers,
  });

  // Cache events name tools chosen by server code (never by callers), so they may admit names.
  const tool = (name: string | undefined) => (name === undefined ? '' : tools.take(name));
  const breaker = (state: keyof typeof BREAKER_STATE) => (event: { name: string }) => {
    const label = names.take(event.name);
    transitions.inc({
      breaker: label,
      state: state === 'halfOpen' ? 'half_open' : state === 'close' ? 'closed' : 'open',
    });
    breakerState.set({ breaker: label }, BREAKER_STATE[state]);
  };
  const off = [
    telemetry.on('cache.hit', (e) =>
      cache.inc({ event: 'hit', layer: e.layer, gen_ai_tool_name: tool(e.tool) }),
    ),
    telemetry.on('cache.miss', (e) =>
      cache.inc({ event: 'miss', layer: '', gen_ai_tool_name: tool(e.tool) }),
    ),
    telemetry.on('cache.stale', (e) =>
      cache.inc({ event: 'stale', layer: '', gen_ai_tool_name: tool(e.tool) }),
    ),
    telemetry.on('cache.coalesced', (e) =>
      cache.inc({ event: 'coalesced', layer: '', gen_ai_tool_name: tool(e.tool) }),
    ),
    telemetry.on('upstream.retry', (e) => retries.inc({ upstream: names.take(e.upstream) })),
    telemetry.on('upstream.giveup', (e) =>
      giveups.inc({ upstream: names.take(e.upstream), error_type: names.take(e.errorCode) }),
    ),
    telemetry.on('breaker.open', breaker('open')),
    telemetry.on('breaker.halfOpen', breaker('halfOpen')),
    telemetry.on('breaker.close', breaker('close')),
    telemetry.on('bulkhead.rejected', (e) => bulkhead.inc({ bulkhead: names.take(e.name) })),
    telemetry.on('ratelimit.rejected', () => rateLimited.inc()),
    telemetry.on('ratelimit.unavailable', (e) =>
      storeFailures.inc({ limiter: names.take(e.name), served: String(e.served) }),
    ),
    telemetry.on('edge.refused', (e) =>
      edgeRefusals.inc({ status: String(e.status), error_type: names.take(e.errorCode) }),
    ),
    telemetry.on('ratelimit.wait', (e) => rateWaits.inc({ limiter: names.take(e.name) })),
  ];
  return () => {
    for (const unsubscribe of off) unsubscribe();
  };
}
