import { detailedTask, type TaskWire } from '../../protocol/tasks.js';
import type { TaskRecord } from './task-store.js';

/** A stored task's wire fields (`CreateTaskResult` and the base of `tasks/get`). */
export function taskWire(task: TaskRecord): TaskWire {
  const out: TaskWire = {
    taskId: task.taskId,
    status: task.status,
    createdAt: new Date(task.createdAt).toISOString(),
    lastUpdatedAt: new Date(task.lastUpdatedAt).toISOString(),
    ttlMs: task.ttlMs,
  };
  if (task.pollIntervalMs !== undefined) out.pollIntervalMs = task.pollIntervalMs;
  if (task.statusMessage !== undefined) out.statusMessage = task.statusMessage;
  return out;
}

/** A stored task as `tasks/get` (and a status notification) shows it: its fields and what its status carries. */
export function detailedTaskOf(task: TaskRecord): Record<string, unknown> {
  return detailedTask(taskWire(task), {
    inputRequests: task.inputRequests as Record<string, { method: string; params?: Record<string, unknown> }>,
    result: task.result,
    error: task.error,
  });
}
