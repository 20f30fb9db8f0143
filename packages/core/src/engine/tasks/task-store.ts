import type { TaskStatus } from '../../protocol/tasks.js';
import type { InputRequestSpec } from '../context.js';
import { McpkitError } from '../errors.js';

/** A task as a store keeps it. Times are milliseconds since the epoch. */
export interface TaskRecord {
  readonly taskId: string;
  /** Who created it; every read, answer and cancel must come from the same owner. */
  readonly owner: string;
  /** The tool it runs. */
  readonly tool: string;
  status: TaskStatus;
  statusMessage?: string;
  readonly createdAt: number;
  lastUpdatedAt: number;
  /** How long after creation the task (and its result) stays retrievable; null keeps it until evicted by the store's own bound. */
  readonly ttlMs: number | null;
  readonly pollIntervalMs?: number;
  /** The input requests not yet answered, by key (while `input_required`). */
  inputRequests: Record<string, InputRequestSpec>;
  /** The `tools/call` result, once `completed`. */
  result?: Record<string, unknown>;
  /** The JSON-RPC error, once `failed`. */
  error?: { code: number; message: string; data?: unknown };
}

/** What creating a task needs; the store assigns the times. */
export interface NewTask {
  taskId: string;
  owner: string;
  tool: string;
  ttlMs: number | null;
  pollIntervalMs?: number;
}

/** How a task settles: its terminal status and what it carries. */
export type TaskOutcome =
  | { status: 'completed'; result: Record<string, unknown> }
  | { status: 'failed'; error: { code: number; message: string; data?: unknown }; statusMessage?: string };

/**
 * What a running task hears from its store: `cancelled` when it ended elsewhere (the client
 * cancelled it, or another instance failed it as orphaned) and its handler must stop, or
 * `answered` when answers for its input requests arrived.
 */
export type TaskSignal = { kind: 'cancelled' } | { kind: 'answered'; answers: Record<string, unknown> };

/**
 * Where tasks live: the in-memory default of one process, or a shared store (Redis) so that a
 * task created on one instance can be read, answered and cancelled through any other. Methods
 * that take an `owner` answer `undefined` (or false) for a task of another owner exactly as for
 * an unknown one.
 */
export interface TaskStore {
  /** Stores a new `working` task; resolves once any instance can read it. Throws a coded, retryable error when full, or when the owner holds its share. */
  create(task: NewTask): Promise<TaskRecord>;
  /** The task, if it exists, has not expired and belongs to `owner`. */
  get(taskId: string, owner: string): Promise<TaskRecord | undefined>;
  /** Adds input requests and moves the task to `input_required` (no-op on a terminal task). */
  requestInput(taskId: string, requests: Record<string, InputRequestSpec>): Promise<void>;
  /**
   * Takes the owner's answers: the ones for outstanding keys leave the outstanding set (and reach
   * the running task), others are ignored; with none outstanding the task is `working` again.
   * Resolves false when the task is unknown to `owner`.
   */
  answer(taskId: string, owner: string, responses: Record<string, unknown>): Promise<boolean>;
  /** Settles a running task (no-op when it already ended, e.g. was cancelled). */
  settle(taskId: string, outcome: TaskOutcome): Promise<void>;
  /** Sets a running task's status message. */
  setStatusMessage(taskId: string, message: string): Promise<void>;
  /** Cancels a running task (terminal tasks stay as they are). Resolves false when unknown to `owner`. */
  cancel(taskId: string, owner: string): Promise<boolean>;
  /** Follows one task's cancellation and answers; returns the unsubscribe function. */
  watch(taskId: string, listener: (signal: TaskSignal) => void): () => void;
}

/** The record of a task just created at `now`: `working`, nothing asked, nothing settled. Every store starts from it. */
export function newTaskRecord(task: NewTask, now: number): TaskRecord {
  const record: TaskRecord = {
    taskId: task.taskId,
    owner: task.owner,
    tool: task.tool,
    status: 'working',
    createdAt: now,
    lastUpdatedAt: now,
    ttlMs: task.ttlMs,
    inputRequests: {},
  };
  if (task.pollIntervalMs !== undefined)
    (record as { pollIntervalMs?: number }).pollIntervalMs = task.pollIntervalMs;
  return record;
}

/** Every store's refusal of a new task for an owner already holding `max`; `retryAfterMs`: until one of them expires. */
export function ownerTaskLimit(max: number, retryAfterMs: number | undefined): McpkitError {
  return new McpkitError('RATE_LIMITED', 'This caller holds as many tasks as it may; try again later.', {
    retryable: true,
    ...(retryAfterMs !== undefined ? { retryAfterMs: Math.max(1, Math.ceil(retryAfterMs)) } : {}),
    hint: 'Each caller may hold maxTasksPerOwner tasks (running, or finished and kept until their ttlMs passes): wait for some to expire, or raise maxTasksPerOwner of the task store.',
    details: { maxTasksPerOwner: max },
  });
}
