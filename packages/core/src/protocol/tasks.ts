import { ProtocolError, RpcCode } from './rpc-error.js';

/** The id of the Tasks extension (SEP-2663) in capabilities and extension negotiation. */
export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';

/** The methods the Tasks extension adds; each names its task in `params.taskId` (and `Mcp-Name`). */
export const TASK_METHODS: ReadonlySet<string> = new Set(['tasks/get', 'tasks/update', 'tasks/cancel']);

/** Whether a tool may, must, or must not run as a task (the extension's own vocabulary). */
export type TaskSupport = 'forbidden' | 'optional' | 'required';

/** A task's status: `working` ↔ `input_required`, then one of the terminal three. */
export type TaskStatus = 'working' | 'input_required' | 'completed' | 'failed' | 'cancelled';

/** True for the statuses a task never leaves. */
export function isTerminal(status: TaskStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}

/** Whether client capabilities declare the Tasks extension (`extensions["io.modelcontextprotocol/tasks"]`). */
export function declaresTasks(capabilities: unknown): boolean {
  const extensions = (capabilities as { extensions?: unknown } | undefined)?.extensions;
  if (typeof extensions !== 'object' || extensions === null) return false;
  const entry = (extensions as Record<string, unknown>)[TASKS_EXTENSION];
  return typeof entry === 'object' && entry !== null;
}

/** The extension's required-capability error: what the client must declare, in `data.requiredCapabilities`. */
export function missingTasksCapability(what: string): ProtocolError {
  return new ProtocolError(
    RpcCode.MISSING_CLIENT_CAPABILITY,
    `${what} needs the client capability extensions["${TASKS_EXTENSION}"], which the client did not declare.`,
    { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } },
    400,
  );
}

/** The one answer for an unknown, expired or someone else's task: nothing tells them apart. */
export function taskNotFound(): ProtocolError {
  return new ProtocolError(RpcCode.INVALID_PARAMS, 'Failed to retrieve task: Task not found.');
}

/** A task as the wire shows it (`CreateTaskResult` and the base of `tasks/get`). */
export interface TaskWire {
  taskId: string;
  status: TaskStatus;
  createdAt: string;
  lastUpdatedAt: string;
  ttlMs: number | null;
  pollIntervalMs?: number;
  statusMessage?: string;
}

/** What `tasks/get` adds for the status it reports. */
export interface TaskDetail {
  inputRequests?: Record<string, { method: string; params?: Record<string, unknown> }>;
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: unknown };
}

/** The task fields of a result, built key by key so nothing else can leak onto the wire. */
export function taskFields(task: TaskWire): Record<string, unknown> {
  const out: Record<string, unknown> = {
    taskId: task.taskId,
    status: task.status,
    createdAt: task.createdAt,
    lastUpdatedAt: task.lastUpdatedAt,
    ttlMs: task.ttlMs,
  };
  if (task.pollIntervalMs !== undefined) out.pollIntervalMs = task.pollIntervalMs;
  if (task.statusMessage !== undefined) out.statusMessage = task.statusMessage;
  return out;
}

/** The `tasks/get` result body for a task: its fields plus what its status carries. */
export function detailedTask(task: TaskWire, detail: TaskDetail): Record<string, unknown> {
  const out = taskFields(task);
  if (task.status === 'input_required' && detail.inputRequests) out.inputRequests = detail.inputRequests;
  if (task.status === 'completed' && detail.result) out.result = detail.result;
  if (task.status === 'failed' && detail.error) out.error = detail.error;
  return out;
}
