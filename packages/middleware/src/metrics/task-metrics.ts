import type { Telemetry } from '@mcpkit/core';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { LabelCap } from './label-cap.js';

/**
 * Bucket boundaries (seconds) of `mcpkit_task_duration_seconds`: tasks are the calls that outlive
 * a request, so the scale runs from a tenth of a second to an hour.
 */
export const TASK_DURATION_BUCKETS: readonly number[] = Object.freeze([
  0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600,
]);

/**
 * Exports core's task events (the Tasks extension) into `registry`: `mcpkit_tasks_created_total`,
 * `mcpkit_tasks_total` by outcome (`completed`, `failed`, `cancelled`), the
 * `mcpkit_task_duration_seconds` histogram (creation to end, by outcome) and the
 * `mcpkit_tasks_running` gauge of this process. Returns a function that unsubscribes.
 */
export function exportTaskMetrics(
  telemetry: Telemetry,
  registry: Registry,
  tools: LabelCap,
  buckets: readonly number[],
): () => void {
  const registers = [registry];
  const created = new Counter({
    name: 'mcpkit_tasks_created_total',
    help: 'Tool calls that became tasks (the Tasks extension), by tool.',
    labelNames: ['gen_ai_tool_name'],
    registers,
  });
  const ended = new Counter({
    name: 'mcpkit_tasks_total',
    help: 'Tasks that ended in this process, by tool and outcome (completed, failed, cancelled).',
    labelNames: ['gen_ai_tool_name', 'outcome'],
    registers,
  });
  const duration = new Histogram({
    name: 'mcpkit_task_duration_seconds',
    help: 'Task duration from creation until it ended, by tool and outcome.',
    labelNames: ['gen_ai_tool_name', 'outcome'],
    buckets: [...buckets],
    registers,
  });
  // Read at scrape time, like the requests in flight.
  let running = 0;
  new Gauge({
    name: 'mcpkit_tasks_running',
    help: 'Tasks running in this process right now.',
    registers,
    collect() {
      this.set(running);
    },
  });

  // Task tools are registered by server code, so their names may take a label value.
  const end =
    (outcome: 'completed' | 'failed' | 'cancelled') => (event: { tool: string; durationMs: number }) => {
      running = Math.max(0, running - 1);
      const labels = { gen_ai_tool_name: tools.take(event.tool), outcome };
      ended.inc(labels);
      duration.observe(labels, event.durationMs / 1000);
    };
  const off = [
    telemetry.on('task.created', (event) => {
      running++;
      created.inc({ gen_ai_tool_name: tools.take(event.tool) });
    }),
    telemetry.on('task.completed', end('completed')),
    telemetry.on('task.failed', end('failed')),
    telemetry.on('task.cancelled', end('cancelled')),
  ];
  return () => {
    for (const unsubscribe of off) unsubscribe();
  };
}
