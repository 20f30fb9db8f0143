import { isValidInputResponse } from '../../protocol/input-responses.js';
import { isTerminal } from '../../protocol/tasks.js';
import { type Clock, clockNow } from '../clock.js';
import type { InputRequestSpec } from '../context.js';
import { McpkitError } from '../errors.js';
import { ExpiryHeap } from './expiry-heap.js';
import {
  type NewTask,
  newTaskRecord,
  ownerTaskLimit,
  type TaskOutcome,
  type TaskRecord,
  type TaskSignal,
  type TaskStore,
} from './task-store.js';

/** Options of {@link createMemoryTaskStore}. */
export interface MemoryTaskStoreOptions {
  /** Most tasks held at once, running or kept for their result. Default: 10 000. */
  maxTasks?: number;
  /**
   * Most tasks one owner (auth subject and client id; every anonymous caller is one owner) holds
   * at once, running or kept for their result, so no caller can fill the store and deny the
   * others. Past it that owner's new tasks are refused with a retryable `RATE_LIMITED`.
   * Default: 1 000.
   */
  maxTasksPerOwner?: number;
  /**
   * How long a task created with `ttlMs: null` is kept at most, in ms (`tasks/get` still reports
   * `ttlMs: null`), so such tasks cannot fill the store for good. Default: 86 400 000 (24 hours),
   * as the Redis store's `nullTtlMs`.
   */
  nullTtlMs?: number;
  /** Clock, for tests. Default: `clock`'s. */
  now?: () => number;
  /** The clock read when `now` is not given (see `Clock`). Default: `systemClock`. */
  clock?: Clock;
}

/**
 * Tasks in this process's memory: right for one instance. Bounded by `maxTasks`; expired tasks
 * are dropped lazily (on read, and soonest-expiring first when room is needed), with no timer per
 * task. A full store, or an owner holding `maxTasksPerOwner` tasks, gets a retryable
 * `RATE_LIMITED` instead of evicting a live task.
 */
export function createMemoryTaskStore(options: MemoryTaskStoreOptions = {}): TaskStore {
  return new MemoryTaskStore(
    options.maxTasks ?? 10_000,
    options.maxTasksPerOwner ?? 1_000,
    options.nullTtlMs ?? 86_400_000,
    clockNow(options),
  );
}

type Listener = (signal: TaskSignal) => void;

/** How many of an owner's tasks one look for the next expiry reads, so a create never scans them all. */
const SWEEP_BATCH = 1_024;

class MemoryTaskStore implements TaskStore {
  readonly #tasks = new Map<string, TaskRecord>();
  /** Every held task by when it expires, so a sweep drops the expired ones first, whatever their ttlMs. */
  readonly #expiries = new ExpiryHeap();
  /** Each watched task's listener, or its listeners when it has several (most have one: the process running it). */
  readonly #watchers = new Map<string, Listener | Set<Listener>>();
  /** Each owner's task ids, in creation order. */
  readonly #owned = new Map<string, Set<string>>();

  constructor(
    readonly maxTasks: number,
    readonly maxTasksPerOwner: number,
    readonly nullTtlMs: number,
    readonly now: () => number,
  ) {}

  /** When a task stops being kept: its ttlMs, or nullTtlMs for a task with none. */
  #expiresAt(task: TaskRecord): number {
    return task.createdAt + (task.ttlMs ?? this.nullTtlMs);
  }

  #expired(task: TaskRecord, now: number): boolean {
    return now >= this.#expiresAt(task);
  }

  async create(task: NewTask): Promise<TaskRecord> {
    const now = this.now();
    // Cheap when nothing expired (one look at the heap's top), and it keeps the heap as small as the store.
    this.#sweep(now);
    let owned = this.#owned.get(task.owner);
    if (owned !== undefined && owned.size >= this.maxTasksPerOwner) {
      const retryAfterMs = this.#sweepOwner(owned, now);
      if (owned.size >= this.maxTasksPerOwner) throw ownerTaskLimit(this.maxTasksPerOwner, retryAfterMs);
    }
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
    this.#expiries.push(task.taskId, this.#expiresAt(record));
    owned ??= this.#owned.get(task.owner);
    if (owned === undefined) {
      owned = new Set();
      this.#owned.set(task.owner, owned);
    }
    owned.add(task.taskId);
    return { ...record };
  }

  /** How long until the next of an owner's tasks expires (looking at a bounded number of them). */
  #sweepOwner(owned: Set<string>, now: number): number | undefined {
    let looked = 0;
    let next: number | undefined;
    for (const id of owned) {
      const task = this.#tasks.get(id);
      if (task !== undefined) next = Math.min(next ?? Infinity, this.#expiresAt(task) - now);
      if (++looked >= SWEEP_BATCH) break;
    }
    return next;
  }

  /** Drops every expired task, soonest-expiring first: the work is the number dropped (each a heap pop). */
  #sweep(now: number): void {
    for (let id = this.#expiries.popExpired(now); id !== undefined; id = this.#expiries.popExpired(now)) {
      const task = this.#tasks.get(id);
      // An id dropped on read already, or reused, is not dropped again.
      if (task !== undefined && this.#expired(task, now)) this.#drop(id);
    }
  }

  #drop(id: string): void {
    const task = this.#tasks.get(id);
    this.#tasks.delete(id);
    this.#watchers.delete(id);
    if (task === undefined) return;
    const owned = this.#owned.get(task.owner);
    owned?.delete(id);
    if (owned?.size === 0) this.#owned.delete(task.owner);
  }

  #live(taskId: string, owner?: string): TaskRecord | undefined {
    const task = this.#tasks.get(taskId);
    if (task === undefined) return undefined;
    if (this.#expired(task, this.now())) {
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

  watch(taskId: string, listener: Listener): () => void {
    const held = this.#watchers.get(taskId);
    if (held === undefined) this.#watchers.set(taskId, listener);
    else if (typeof held === 'function') this.#watchers.set(taskId, new Set([held, listener]));
    else held.add(listener);
    return () => {
      const now = this.#watchers.get(taskId);
      if (now === listener) this.#watchers.delete(taskId);
      else if (typeof now === 'object') now.delete(listener);
    };
  }

  #emit(taskId: string, signal: TaskSignal): void {
    const held = this.#watchers.get(taskId);
    if (held === undefined) return;
    if (typeof held === 'function') held(signal);
    else for (const listener of [...held]) listener(signal);
  }
}
