import { detailedTask, type TaskWire } from '../../protocol/tasks.js';
import type { TaskRecord } from './task-store.js';

/** The last two times formatted: a task's two times, and tasks created in the same millisecond, share them. */
const isoMs = [Number.NaN, Number.NaN];
const isoText = ['', ''];
let isoNext = 0;

/** `ms` as an ISO 8601 string (`Date#toISOString`), remembered for the next call with the same time. */
function isoOf(ms: number): string {
  if (isoMs[0] === ms) return isoText[0] as string;
  if (isoMs[1] === ms) return isoText[1] as string;
  const text = new Date(ms).toISOString();
  isoMs[isoNext] = ms;
  isoText[isoNext] = text;
  isoNext ^= 1;
  return text;
}

/** A stored task's wire fields (`CreateTaskResult` and the base of `tasks/get`). */
export function taskWire(task: TaskRecord): TaskWire {
  const out: TaskWire = {
    taskId: task.taskId,
    status: task.status,
    createdAt: isoOf(task.createdAt),
    lastUpdatedAt: isoOf(task.lastUpdatedAt),
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
