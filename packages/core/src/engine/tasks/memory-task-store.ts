import { isValidInputResponse } from '../../protocol/input-responses.js';
import { isTerminal } from '../../protocol/tasks.js';
import type { InputRequestSpec } from '../context.js';
import { McpkitError } from '../errors.js';
import {
  type NewTask,
  newTaskRecord,
  type TaskOutcome,
  type TaskRecord,
  type TaskSignal,
  type TaskStore,
} from './task-store.js';

/** Options of {@link createMemoryTaskStore}. */
export interface MemoryTaskStoreOptions {
  /** Most tasks held at once, running or kept for their result. Default: 10 000. */
  maxTasks?: number;
  /** Clock, for tests. Default: `Date.now`. */
  now?: () => number;
}

/**
 * Tasks in this process's memory: right for one instance. Bounded by `maxTasks`; expired tasks
 * are dropped lazily (on read, and from the oldest end when room is needed), with no timer per
 * task. A full store refuses new tasks with a retryable `RATE_LIMITED` instead of evicting a live one.
 */
export function createMemoryTaskStore(options: MemoryTaskStoreOptions = {}): TaskStore {
  return new MemoryTaskStore(options.maxTasks ?? 10_000, options.now ?? Date.now);
}

/** How many tasks one sweep looks at, so a create never scans the whole store. */
const SWEEP_BATCH = 1_024;

function expired(task: TaskRecord, now: number): boolean {
  return task.ttlMs !== null && now >= task.createdAt + task.ttlMs;
}

class MemoryTaskStore implements TaskStore {
  /** In creation order, so the oldest (first to expire under one TTL) are swept first. */
  readonly #tasks = new Map<string, TaskRecord>();
  readonly #watchers = new Map<string, Set<(signal: TaskSignal) => void>>();

  constructor(
    readonly maxTasks: number,
    readonly now: () => number,
  ) {}

  async create(task: NewTask): Promise<TaskRecord> {
    const now = this.now();
    if (this.#tasks.size >= this.maxTasks) this.#sweep(now);
    if (this.#tasks.size >= this.maxTasks) {
      throw new McpkitError('RATE_LIMITED', 'The server holds as many tasks as it can; try again later.', {
        retryable: true,
        retryAfterMs: 1_000,
        hint: 'Finished tasks are kept until their ttlMs passes; raise maxTasks of the task store if this is normal load.',
        details: { maxTasks: this.maxTasks },
      });
    }
    const record = newTaskRecord(task, now);
    this.#tasks.set(task.taskId, record);
    return { ...record };
  }

  /** Drops expired tasks, oldest first, looking at a bounded number of them per call. */
  #sweep(now: number): void {
    let looked = 0;
    for (const [id, task] of this.#tasks) {
      if (expired(task, now)) this.#drop(id);
      if (++looked >= SWEEP_BATCH) break;
    }
  }

  #drop(id: string): void {
    this.#tasks.delete(id);
    this.#watchers.delete(id);
  }

  #live(taskId: string, owner?: string): TaskRecord | undefined {
    const task = this.#tasks.get(taskId);
    if (task === undefined) return undefined;
    if (expired(task, this.now())) {
      this.#drop(taskId);
      return undefined;
    }
    return owner === undefined || task.owner === owner ? task : undefined;
  }

  async get(taskId: string, owner: string): Promise<TaskRecord | undefined> {
    const task = this.#live(taskId, owner);
    return task === undefined ? undefined : { ...task, inputRequests: { ...task.inputRequests } };
  }

  async requestInput(taskId: string, requests: Record<string, InputRequestSpec>): Promise<void> {
    const task = this.#live(taskId);
    if (task === undefined || isTerminal(task.status)) return;
    Object.assign(task.inputRequests, requests);
    task.status = 'input_required';
    task.lastUpdatedAt = this.now();
  }

  async answer(taskId: string, owner: string, responses: Record<string, unknown>): Promise<boolean> {
    const task = this.#live(taskId, owner);
    if (task === undefined) return false;
    if (isTerminal(task.status)) return true;
    const answers: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(responses)) {
      const spec = task.inputRequests[key];
      if (spec === undefined || !isValidInputResponse(spec.method, value)) continue;
      answers[key] = value;
      delete task.inputRequests[key];
    }
    if (Object.keys(answers).length === 0) return true;
    if (Object.keys(task.inputRequests).length === 0) task.status = 'working';
    task.lastUpdatedAt = this.now();
    this.#emit(taskId, { kind: 'answered', answers });
    return true;
  }

  async settle(taskId: string, outcome: TaskOutcome): Promise<void> {
    const task = this.#live(taskId);
    if (task === undefined || isTerminal(task.status)) return;
    task.status = outcome.status;
    task.inputRequests = {};
    if (outcome.status === 'completed') task.result = outcome.result;
    else {
      task.error = outcome.error;
      if (outcome.statusMessage !== undefined) task.statusMessage = outcome.statusMessage;
    }
    task.lastUpdatedAt = this.now();
    this.#watchers.delete(taskId);
  }

  async setStatusMessage(taskId: string, message: string): Promise<void> {
    const task = this.#live(taskId);
    if (task === undefined || isTerminal(task.status)) return;
    task.statusMessage = message;
    task.lastUpdatedAt = this.now();
  }

  async cancel(taskId: string, owner: string): Promise<boolean> {
    const task = this.#live(taskId, owner);
    if (task === undefined) return false;
    if (isTerminal(task.status)) return true;
    task.status = 'cancelled';
    task.inputRequests = {};
    task.statusMessage = 'Cancelled by the client.';
    task.lastUpdatedAt = this.now();
    this.#emit(taskId, { kind: 'cancelled' });
    this.#watchers.delete(taskId);
    return true;
  }

  watch(taskId: string, listener: (signal: TaskSignal) => void): () => void {
    let set = this.#watchers.get(taskId);
    if (set === undefined) {
      set = new Set();
      this.#watchers.set(taskId, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  #emit(taskId: string, signal: TaskSignal): void {
    const set = this.#watchers.get(taskId);
    if (set === undefined) return;
    for (const listener of [...set]) listener(signal);
  }
}
