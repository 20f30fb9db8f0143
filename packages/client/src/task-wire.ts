import { META, TASKS_EXTENSION, type TaskStatus } from '@mcpkit/core';
import type { CallToolResult } from '@modelcontextprotocol/client';

/** A task as the Tasks extension (SEP-2663) shows it: what `tools/call` answers and `tasks/get` starts with. */
export interface TaskInfo {
  taskId: string;
  status: TaskStatus;
  createdAt: string;
  lastUpdatedAt: string;
  /** How long the server keeps the task and its result after creation; `null` for no limit. */
  ttlMs: number | null;
  /** How often the server suggests polling. */
  pollIntervalMs?: number;
  /** What the task is doing (the handler's last progress message). */
  statusMessage?: string;
}

/** What `tasks/get` answers: the task and what its status carries. */
export interface TaskSnapshot extends TaskInfo {
  /** The server's questions while `input_required`, by key. */
  inputRequests?: Record<string, { method: string; params?: Record<string, unknown> }>;
  /** The `tools/call` result once `completed`. */
  result?: CallToolResult;
  /** The JSON-RPC error once `failed`. */
  error?: { code: number; message: string; data?: unknown };
}

/** How a followed task ended. */
export type TaskEnd =
  | { status: 'completed'; result: CallToolResult }
  | { status: 'failed'; error: { code: number; message: string; data?: unknown } }
  | { status: 'cancelled' };

const STATUSES: ReadonlySet<string> = new Set([
  'working',
  'input_required',
  'completed',
  'failed',
  'cancelled',
]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a task from a result, or undefined when the result is not one (checked field by field). */
export function readTask(value: unknown): TaskSnapshot | undefined {
  if (!isRecord(value) || typeof value.taskId !== 'string' || typeof value.status !== 'string')
    return undefined;
  if (!STATUSES.has(value.status)) return undefined;
  const { resultType: _resultType, _meta: _ignored, ...task } = value;
  return task as unknown as TaskSnapshot;
}

/** Whether a JSON-RPC error is the extension's "declare the Tasks extension" refusal (`-32021`). */
export function wantsTasks(error: unknown): boolean {
  if (!isRecord(error) || error.code !== -32021) return false;
  const required = (error.data as { requiredCapabilities?: { extensions?: unknown } } | undefined)
    ?.requiredCapabilities?.extensions;
  return isRecord(required) && TASKS_EXTENSION in required;
}

/** A modern request `_meta` with the Tasks extension declared (`declare`) or left out of its capabilities. */
export function withTasksDeclared(meta: Record<string, unknown>, declare: boolean): Record<string, unknown> {
  const capabilities = meta[META.clientCapabilities];
  if (!isRecord(capabilities)) return meta;
  const extensions = isRecord(capabilities.extensions) ? { ...capabilities.extensions } : {};
  if (declare) extensions[TASKS_EXTENSION] = {};
  else delete extensions[TASKS_EXTENSION];
  const { extensions: _old, ...rest } = capabilities;
  const next = Object.keys(extensions).length > 0 ? { ...rest, extensions } : rest;
  return { ...meta, [META.clientCapabilities]: next };
}
