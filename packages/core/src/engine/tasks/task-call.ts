import type { Cancellation } from '../cancellation.js';
import type { CallEnv } from '../exchange.js';
import type { Expiring } from './task-expiries.js';
import type { DetachableContext, TaskHook, ToolTaskOptions } from './task-options.js';
import type { TaskIds } from './task-outcomes.js';
import type { AnnouncedTask } from './task-status-watchers.js';
import type { TaskOutcome } from './task-store.js';

/** What a task-eligible call answers its request with: the task it became, or the handler's result. */
export type CallAnswer = { task: Record<string, unknown> } | { result: Record<string, unknown> };
const noop = () => {};

/**
 * One task-eligible call: its hook while it may still become a task, then the task this process
 * runs, with what it holds for it until it settles. One object with every field up front, so a
 * call that becomes a task allocates little and keeps one shape.
 */
export class TaskCall implements TaskHook, AnnouncedTask, Expiring, TaskIds {
  taskId = '';
  owner = '';
  createdAt = 0;
  ttlMs: number | null = null;
  /** Set once the task exists in the store (and this process holds it). */
  created = false;
  /** The handler's outcome when it ended while the task was still being created. */
  early: TaskOutcome | undefined = undefined;
  /** The detach started by the hook, once it was asked for. */
  started: Promise<void> | undefined = undefined;
  /** Aborts the handler: on cancel, ttlMs, shutdown, or once the task settled. */
  cancellation: Cancellation | undefined = undefined;
  /** Stops following the store's signals for it. */
  unwatch: (() => void) | undefined = undefined;
  /** Set when the ttlMs passed before the handler finished. */
  expired = false;
  announced: string | undefined = undefined;
  expireAt = 0;
  expiryPrev: Expiring | undefined = undefined;
  expiryNext: Expiring | undefined = undefined;
  expiryList: Expiring['expiryList'] = undefined;
  answer: (value: CallAnswer) => void = noop;
  fail: (error: unknown) => void = noop;

  constructor(
    /** Creates the task and detaches the handler (the server's tasks do it). */
    private readonly detachWith: (call: TaskCall) => Promise<void>,
    readonly mode: 'start' | 'manual',
    readonly ctx: DetachableContext,
    readonly env: CallEnv,
    readonly tool: string,
    readonly options: ToolTaskOptions | undefined,
    readonly shape: (result: Record<string, unknown>) => Record<string, unknown>,
  ) {}

  get requestId(): string {
    return this.env.requestId;
  }

  detach(): Promise<void> {
    if (this.started === undefined) {
      this.started = this.detachWith(this);
      // A manual handler may start detaching without awaiting it; its refusal must not go unhandled.
      if (this.mode === 'manual') this.started.catch(noop);
    }
    return this.started;
  }
}
