import type { Metric, Registry } from 'prom-client';

/** One label set's running totals: cumulative-at-scrape bucket counts, sum and count. */
interface Series {
  readonly method: string;
  readonly tool: string;
  readonly errorType: string;
  readonly buckets: Float64Array;
  sum: number;
  count: number;
}

interface Sample {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

/**
 * The request histogram and counter, kept as plain numbers per label set and rendered only when
 * scraped. prom-client's own `observe()` hashes the label object on every call; here a request
 * costs one map lookup, a bucket search and three additions.
 */
export class OperationSeries {
  readonly #bounds: readonly number[];
  readonly #series = new Map<string, Series>();
  #last: Series | undefined;

  constructor(bounds: readonly number[]) {
    this.#bounds = [...bounds].sort((a, b) => a - b);
  }

  /** Records one finished request. `errorType` is empty for a success. */
  record(method: string, tool: string, errorType: string, seconds: number): void {
    let s = this.#last;
    // Traffic runs in streaks of the same method, tool and outcome: compare before building a key.
    if (s === undefined || s.method !== method || s.tool !== tool || s.errorType !== errorType) {
      const key = `${method}\u0000${tool}\u0000${errorType}`;
      s = this.#series.get(key);
      if (s === undefined) {
        s = { method, tool, errorType, buckets: new Float64Array(this.#bounds.length), sum: 0, count: 0 };
        this.#series.set(key, s);
      }
      this.#last = s;
    }
    const bounds = this.#bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (seconds <= (bounds[i] as number)) {
        (s.buckets as Float64Array)[i] = ((s.buckets as Float64Array)[i] as number) + 1;
        break;
      }
    }
    s.sum += seconds;
    s.count++;
  }

  /** Registers the histogram and the by-outcome counter in `registry` under the given names. */
  register(
    registry: Registry,
    histogram: { name: string; help: string },
    counter: { name: string; help: string },
  ): void {
    const histogramMetric = {
      name: histogram.name,
      help: histogram.help,
      type: 'histogram',
      aggregator: 'sum',
      get: async () => ({ ...histogramMetric, values: this.#histogramValues(histogram.name) }),
      reset: () => this.#reset(),
    };
    const counterMetric = {
      name: counter.name,
      help: counter.help,
      type: 'counter',
      aggregator: 'sum',
      get: async () => ({ ...counterMetric, values: this.#counterValues() }),
      reset: () => this.#reset(),
    };
    // prom-client formats any metric object with name/help/type/get(); its types list only its own classes.
    registry.registerMetric(histogramMetric as unknown as Metric);
    registry.registerMetric(counterMetric as unknown as Metric);
  }

  #reset(): void {
    this.#series.clear();
    this.#last = undefined;
  }

  #histogramValues(name: string): Sample[] {
    const values: Sample[] = [];
    for (const s of this.#series.values()) {
      const labels = { mcp_method_name: s.method, gen_ai_tool_name: s.tool, error_type: s.errorType };
      let cumulative = 0;
      for (let i = 0; i < this.#bounds.length; i++) {
        cumulative += s.buckets[i] as number;
        values.push({
          metricName: `${name}_bucket`,
          labels: { ...labels, le: this.#bounds[i] as number },
          value: cumulative,
        });
      }
      values.push({ metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: s.count });
      values.push({ metricName: `${name}_sum`, labels, value: s.sum });
      values.push({ metricName: `${name}_count`, labels, value: s.count });
    }
    return values;
  }

  #counterValues(): Sample[] {
    const totals = new Map<string, Sample>();
    for (const s of this.#series.values()) {
      const outcome = s.errorType === '' ? 'ok' : 'error';
      const key = `${s.method}\u0000${s.tool}\u0000${outcome}`;
      const found = totals.get(key);
      if (found) found.value += s.count;
      else {
        totals.set(key, {
          labels: { mcp_method_name: s.method, gen_ai_tool_name: s.tool, outcome },
          value: s.count,
        });
      }
    }
    return [...totals.values()];
  }
}
