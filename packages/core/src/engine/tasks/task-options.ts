import type { AuthIdentity } from '../context.js';
import type { CallEnv } from '../exchange.js';
import type { TaskPort } from './task-port.js';
import type { TaskStore } from './task-store.js';

/** Options of `createServer({ tasks })`: where tasks live and how long they are kept. */
export interface TasksOptions {
  /** Where tasks live. Default: `createMemoryTaskStore()` (one process). */
  store?: TaskStore;
  /** How long a task and its result stay retrievable after creation, in ms; null for no limit. Default: 3 600 000 (1 hour). */
  ttlMs?: number | null;
  /** The poll interval suggested to clients, in ms. Default: 1 000. */
  pollIntervalMs?: number;
  /** Most task handlers running at once in this process; later tasks wait in a queue. Default: 100. */
  maxRunning?: number;
  /**
   * Most tasks waiting for a free slot in this process; past it a call is refused with a
   * retryable `RATE_LIMITED` (no task is created). A queued task is already `working` to the
   * client, and cancelling it removes it from the queue. Default: 1 000.
   */
  maxQueued?: number;
  /**
   * Largest result a task keeps, in bytes of its JSON; a larger one is not stored and the task
   * fails with a coded `INTERNAL` error saying so (results live in the store until the ttlMs
   * passes, in Redis shared with everything else). Default: 4 194 304 (4 MiB).
   */
  maxResultBytes?: number;
}

/** How one tool runs as a task (`task` of a tool definition). */
export interface ToolTaskOptions {
  /** This tool's retention, in ms (null: no limit). Default: the server's `tasks.ttlMs`. */
  ttlMs?: number | null;
  /** This tool's suggested poll interval, in ms. Default: the server's `tasks.pollIntervalMs`. */
  pollIntervalMs?: number;
  /**
   * When the call becomes a task: `'start'` just before the handler runs (after validation and
   * middleware), or `'manual'` when the handler calls `ctx.detach()` — for a handler that first
   * asks for input synchronously. Default: `'start'`.
   */
  detach?: 'start' | 'manual';
}

/** What a task-eligible `tools/call` context carries: how to turn the call into a task. */
export interface TaskHook {
  readonly mode: 'start' | 'manual';
  /** Creates the task (durably) and detaches the handler from the request; idempotent. */
  detach(): Promise<void>;
}

/** A context that can be moved from its request onto a task. */
export interface DetachableContext {
  auth: AuthIdentity | undefined;
  readonly signal: AbortSignal;
  rebind(env: CallEnv, port: TaskPort): void;
}
