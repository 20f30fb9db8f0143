// The bench's tasks-present mcpkit server: the same tools as servers/mcpkit.mjs, plus `add_task`,
// the trivial tool as one that may run as a task, on the in-memory task store.
import { createMemoryTaskStore, createServer } from '@mcpkit/core';
import * as f from '../fixtures.mjs';
import { registerTools } from './mcpkit-tools.mjs';

/** A builder with the bench tools and the Tasks extension served (memory store). */
export function tasksServer() {
  // Tasks are kept a few seconds only (TASK_TTL_MS, default 5 000), and the store is sized for the
  // load's rate, so a run measures creating and reading tasks, not refusals of a full store.
  const store = createMemoryTaskStore({ maxTasks: 500_000, maxTasksPerOwner: 500_000 });
  const builder = createServer({
    name: 'bench-mcpkit-tasks',
    version: '1.0.0',
    tasks: { store, ttlMs: Number(process.env.TASK_TTL_MS ?? 5_000), maxRunning: 10_000 },
  });
  return registerTools(builder).tool('add_task', {
    description: 'Adds two numbers; may run as a task',
    input: f.addInput,
    taskSupport: 'optional',
    handler: f.add,
  });
}
