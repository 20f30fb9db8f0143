import { createServer } from '@mcpkit/core';
import { metrics, TASK_DURATION_BUCKETS } from '@mcpkit/middleware';
import type { TestClient } from '@mcpkit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { parsePrometheusText, sumOf } from '../fixtures/prometheus-text.js';
import { taskClient, untilStatus } from '../fixtures/task-calls.js';

const clients: TestClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
});

describe('metrics() for tasks', () => {
  it('counts tasks created and ended by outcome, their durations, and those running, from core task events', async () => {
    const plugin = metrics();
    const client = await taskClient(createServer({ name: 'metered-tasks', version: '1.0.0' }), plugin);
    clients.push(client);
    const scrape = async () => parsePrometheusText(await plugin.scrape());

    const done = [
      await client.send('tools/call', { name: 'work', arguments: { ms: 5 } }),
      await client.send('tools/call', { name: 'work', arguments: { ms: 10 } }),
    ];
    const broken = await client.send('tools/call', { name: 'breaks', arguments: {} });
    const cancelled = await client.send('tools/call', { name: 'work', arguments: { ms: 60_000 } });
    for (const task of done) await untilStatus(client, task.taskId, 'completed');
    await untilStatus(client, broken.taskId, 'failed');

    const during = await scrape();
    expect(during.types.get('mcpkit_tasks_running')).toBe('gauge');
    expect(sumOf(during, 'mcpkit_tasks_running', {})).toBe(1);

    await client.send('tasks/cancel', { taskId: cancelled.taskId });
    await untilStatus(client, cancelled.taskId, 'cancelled');
    // The cancelled handler settles right after its signal fires; its event follows.
    for (let i = 0; i < 100 && sumOf(await scrape(), 'mcpkit_tasks_running', {}) !== 0; i++)
      await new Promise((r) => setTimeout(r, 5));

    const after = await scrape();
    expect(after.types.get('mcpkit_tasks_created_total')).toBe('counter');
    expect(after.types.get('mcpkit_tasks_total')).toBe('counter');
    expect(after.types.get('mcpkit_task_duration_seconds')).toBe('histogram');
    expect(sumOf(after, 'mcpkit_tasks_created_total', { gen_ai_tool_name: 'work' })).toBe(3);
    expect(sumOf(after, 'mcpkit_tasks_created_total', { gen_ai_tool_name: 'breaks' })).toBe(1);
    const ended = (tool: string, outcome: string) =>
      sumOf(after, 'mcpkit_tasks_total', { gen_ai_tool_name: tool, outcome });
    expect([ended('work', 'completed'), ended('work', 'cancelled'), ended('breaks', 'failed')]).toEqual([
      2, 1, 1,
    ]);
    expect(ended('work', 'failed')).toBe(0);
    const histogram = (outcome: string, suffix: string) =>
      sumOf(after, `mcpkit_task_duration_seconds_${suffix}`, { gen_ai_tool_name: 'work', outcome });
    expect(histogram('completed', 'count')).toBe(2);
    // Two tasks of at least 5 and 10 ms, measured from creation to end.
    expect(histogram('completed', 'sum')).toBeGreaterThanOrEqual(0.015);
    const buckets = after.samples.filter(
      (s) => s.name === 'mcpkit_task_duration_seconds_bucket' && s.labels.outcome === 'completed',
    );
    expect(buckets.map((s) => s.labels.le)).toEqual([...TASK_DURATION_BUCKETS.map(String), '+Inf']);
    expect(sumOf(after, 'mcpkit_tasks_running', {})).toBe(0);
  });

  it('takes its own task buckets', async () => {
    const plugin = metrics({ taskBuckets: [1, 60] });
    const client = await taskClient(createServer({ name: 'metered-tasks', version: '1.0.0' }), plugin);
    clients.push(client);
    const task = await client.send('tools/call', { name: 'work', arguments: { ms: 1 } });
    await untilStatus(client, task.taskId, 'completed');
    const text = await plugin.scrape();
    expect(text).toContain(
      'mcpkit_task_duration_seconds_bucket{le="60",gen_ai_tool_name="work",outcome="completed"} 1',
    );
  });
});
