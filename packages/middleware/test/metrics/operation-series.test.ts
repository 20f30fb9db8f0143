import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { OperationSeries } from '../../src/metrics/operation-series.js';
import { parsePrometheusText, sumOf } from '../fixtures/prometheus-text.js';

describe('OperationSeries', () => {
  it('renders cumulative buckets, sum and count per label set, and totals by outcome', async () => {
    const registry = new Registry();
    const series = new OperationSeries([0.1, 1]);
    series.register(registry, { name: 'op_seconds', help: 'h' }, { name: 'op_total', help: 'c' });
    series.record('tools/call', 'a', '', 0.05);
    series.record('tools/call', 'a', '', 0.5);
    series.record('tools/call', 'a', '', 5);
    series.record('tools/call', 'a', 'NOT_FOUND', 0.01);
    const e = parsePrometheusText(await registry.metrics());
    const bucket = (le: string) =>
      sumOf(e, 'op_seconds_bucket', { gen_ai_tool_name: 'a', error_type: '', le });
    expect([bucket('0.1'), bucket('1'), bucket('+Inf')]).toEqual([1, 2, 3]);
    expect(sumOf(e, 'op_seconds_sum', { error_type: '' })).toBeCloseTo(5.55);
    expect(sumOf(e, 'op_total', { outcome: 'ok' })).toBe(3);
    expect(sumOf(e, 'op_total', { outcome: 'error' })).toBe(1);
    registry.resetMetrics();
    expect(sumOf(parsePrometheusText(await registry.metrics()), 'op_total')).toBe(0);
  });
});
