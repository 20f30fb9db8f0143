import type { Logger } from '../../observability/logger.js';
import type { Telemetry } from '../../observability/telemetry.js';
import { readInputResponses } from '../../protocol/input-responses.js';
import { ProtocolError, RpcCode } from '../../protocol/rpc-error.js';
import { type TaskSupport, taskNotFound } from '../../protocol/tasks.js';
import { Cancellation } from '../cancellation.js';
import type { AuthIdentity } from '../context.js';
import { McpkitError } from '../errors.js';
import type { CallEnv, Exchange } from '../exchange.js';
import type { Inflight } from '../inflight.js';
import { createMemoryTaskStore } from './memory-task-store.js';
import { type CallAnswer, TaskCall } from './task-call.js';
import { TaskExpiries } from './task-expiries.js';
import { newTaskId } from './task-id.js';
import type { DetachableContext, TaskHook, TasksOptions, ToolTaskOptions } from './task-options.js';
import { completionOutcome, failureOutcome, shutdownOutcome } from './task-outcomes.js';
import { TaskChannel } from './task-port.js';
import { TaskSlots } from './task-slots.js';
import { TaskStatusWatchers } from './task-status-watchers.js';
import type { TaskOutcome, TaskRecord, TaskStore } from './task-store.js';
import { detailedTaskOf, taskWire } from './task-wire.js';

export type { DetachableContext, TaskHook, TasksOptions, ToolTaskOptions } from './task-options.js';
export type { TaskPort } from './task-port.js';

/** A detached task's way back to the client: none. Progress and log notifications are not sent for tasks. */
const TASK_EXCHANGE: Exchange = {
  notify() {},
  request() {
    return Promise.reject(new McpkitError('INTERNAL', 'A task cannot send requests to the client.'));
  },
};

/** Longest a settle is retried while the store cannot take it (a task with no ttlMs). */
const SETTLE_RETRY_MS = 3_600_000;

/**
 * The reason work left running for a task is stopped with once the task ended: one instance for
 * every task (an error's stack trace costs more than the rest of a settle).
 */
const TASK_ENDED = Object.freeze(
  new McpkitError('INTERNAL', 'The task has ended; work left running for it is stopped.'),
);

/** The reason a task's signal aborts with when the client cancels it. */
function cancelledByClient(): McpkitError {
  return new McpkitError('CONFLICT', 'The task was cancelled by the client.', {
    retryable: false,
    hint: 'The client cancelled this task with tasks/cancel; nothing more is expected of it.',
  });
}

/** The owner a task is bound to: the verified subject and client, or every anonymous caller alike. */
export function taskOwner(auth: AuthIdentity | undefined): string {
  return auth === undefined ? 'anonymous' : `${auth.subject}\u0000${auth.clientId ?? ''}`;
}

/**
 * The Tasks extension (SEP-2663) of one server: turns eligible `tools/call`s into tasks that run
 * detached from their request, and answers `tasks/get`, `tasks/update` and `tasks/cancel`.
 */
export class Tasks {
  readonly store: TaskStore;
  readonly #ttlMs: number | null;
  readonly #pollMs: number;
  /** Tasks this process holds, running or queued, until they settle. */
  readonly #held = new Map<string, TaskCall>();
  readonly #slots: TaskSlots;
  readonly #maxResultBytes: number;
  readonly #watchers: TaskStatusWatchers;
  /** Stops a held task's handler when its ttlMs passes. */
  readonly #expiries = new TaskExpiries((task) => {
    const call = task as TaskCall;
    call.expired = true;
    call.cancellation?.abort(
      new McpkitError('UPSTREAM_TIMEOUT', `The task outlived its ttlMs (${call.ttlMs} ms) and was stopped.`),
    );
  });

  constructor(
    options: TasksOptions,
    private readonly inflight: Inflight,
    private readonly logger: Logger,
    private readonly telemetry: Telemetry,
  ) {
    this.store = options.store ?? createMemoryTaskStore();
    this.#ttlMs = options.ttlMs === undefined ? 3_600_000 : options.ttlMs;
    this.#pollMs = options.pollIntervalMs ?? 1_000;
    this.#slots = new TaskSlots(options.maxRunning ?? 100, options.maxQueued ?? 1_000);
    this.#watchers = new TaskStatusWatchers(this.store, logger);
    this.#maxResultBytes = options.maxResultBytes ?? 4_194_304;
  }

  /**
   * Runs a task-eligible call: `call` runs the tool's chain; when the handler detaches, the task's
   * `CreateTaskResult` body is returned at once and the chain settles the task later. A call that
   * never detaches (a manual tool that did not) returns its plain result.
   */
  run(
    ctx: DetachableContext & { hook?: TaskHook },
    env: CallEnv,
    tool: string,
    options: ToolTaskOptions | undefined,
    call: () => Promise<Record<string, unknown>>,
    shape: (result: Record<string, unknown>) => Record<string, unknown>,
  ): Promise<CallAnswer> {
    const job = new TaskCall(this.#detachCall, options?.detach ?? 'start', ctx, env, tool, options, shape);
    ctx.hook = job;
    const answer = new Promise<CallAnswer>((resolve, reject) => {
      job.answer = resolve;
      job.fail = reject;
    });
    call().then(
      (result) => this.#returned(job, result),
      (error: unknown) => this.#threw(job, error),
    );
    return answer;
  }

  #returned(job: TaskCall, result: Record<string, unknown>): void {
    if (job.created) {
      void this.#settle(job, completionOutcome(job.shape(result), this.#maxResultBytes, job, this.logger));
      return;
    }
    // Never detached, or returned while its task was still being created (it did not await
    // ctx.detach()): the call answers with the result, and the task, once it exists, ends with it.
    job.answer({ result });
    if (job.started !== undefined) job.early = { status: 'completed', result: job.shape(result) };
  }

  #threw(job: TaskCall, error: unknown): void {
    if (job.created) {
      void this.#settle(job, failureOutcome(error, job, this.logger));
      return;
    }
    job.fail(error);
    if (job.started !== undefined) job.early = failureOutcome(error, job, this.logger);
  }

  /**
   * Creates the task, answers the request with it, then resolves once the handler may run: at once
   * when a slot is free, else when the queue reaches it (rejects if it is cancelled or the server
   * shuts down while it waits).
   */
  readonly #detachCall = (job: TaskCall): Promise<void> => {
    try {
      this.#slots.reserve();
    } catch (error) {
      return Promise.reject(error);
    }
    const options = job.options;
    return this.store
      .create({
        taskId: newTaskId(),
        owner: taskOwner(job.ctx.auth),
        tool: job.tool,
        ttlMs: options?.ttlMs === undefined ? this.#ttlMs : options.ttlMs,
        pollIntervalMs: options?.pollIntervalMs ?? this.#pollMs,
      })
      .then(
        (record) => this.#hold(job, record),
        (error: unknown) => {
          this.#slots.unreserve();
          throw error;
        },
      );
  };

  #hold(job: TaskCall, record: TaskRecord): Promise<void> {
    const { taskId, ttlMs } = record;
    job.taskId = taskId;
    job.owner = record.owner;
    job.createdAt = record.createdAt;
    job.ttlMs = ttlMs;
    job.created = true;
    const cancellation = new Cancellation();
    job.cancellation = cancellation;
    this.#held.set(taskId, job);
    this.inflight.add(cancellation);
    if (job.early !== undefined) {
      // The handler is done already: the task ends with what it returned.
      this.#slots.unreserve();
      void this.#settle(job, job.early);
      return Promise.resolve();
    }
    // Past its ttlMs the task is gone for the client: stop the work too.
    if (ttlMs !== null) this.#expiries.add(job, ttlMs, record.createdAt + ttlMs);
    const announce = () => this.#watchers.announce(job);
    const port = new TaskChannel(taskId, this.store, cancellation, announce, this.logger);
    job.unwatch = this.store.watch(taskId, (signal) => {
      if (signal.kind === 'cancelled') cancellation.abort(cancelledByClient());
      else port.hear(signal.answers);
      announce();
    });
    const env = job.env;
    job.ctx.rebind(
      {
        era: env.era,
        protocolVersion: env.protocolVersion,
        client: env.client,
        headers: env.headers,
        requestId: env.requestId,
        cancellation,
        exchange: TASK_EXCHANGE,
        logLevel: null,
        peer: env.peer,
        auth: env.auth,
      },
      port,
    );
    if (this.telemetry.has('task.created'))
      this.telemetry.emit('task.created', { taskId, tool: job.tool, requestId: env.requestId });
    // taskWire builds the wire fields key by key: nothing else of the record reaches the client.
    job.answer({ task: taskWire(record) as unknown as Record<string, unknown> });
    return this.#slots.acquire(taskId, cancellation);
  }

  #settle(job: TaskCall, outcome: TaskOutcome): Promise<void> {
    const { taskId } = job;
    const cancellation = job.cancellation;
    // Settled already (by failRunning), or never held.
    if (cancellation === undefined || this.#held.get(taskId) !== job) return Promise.resolve();
    const aborted = cancellation.aborted;
    // A shutdown that aborted the handler fails the task retryably, whatever the handler made of it.
    const final = this.inflight.closing && aborted ? shutdownOutcome(job.requestId) : outcome;
    // Work still running for the task (a promise its handler did not await, a handler a
    // middleware answered for early) stops with it, so nothing outlives the slot it held.
    if (!aborted) cancellation.abort(TASK_ENDED);
    job.unwatch?.();
    this.#expiries.remove(job);
    this.inflight.delete(cancellation);
    this.#held.delete(taskId);
    this.#slots.release(taskId);
    const kind = job.expired
      ? 'task.failed'
      : aborted && !this.inflight.closing
        ? 'task.cancelled'
        : final.status === 'completed'
          ? 'task.completed'
          : 'task.failed';
    const settled = () => {
      this.#watchers.announce(job);
      if (this.telemetry.has(kind))
        this.telemetry.emit(kind, { taskId, tool: job.tool, durationMs: Date.now() - job.createdAt });
    };
    let stored: Promise<void>;
    try {
      stored = this.store.settle(taskId, final);
    } catch (error) {
      stored = Promise.reject(error);
    }
    return stored.then(settled, (error: unknown) => this.#retrySettle(job, final, error).then(settled));
  }

  /**
   * Writes a task's outcome the store refused, retrying with backoff while the store cannot take
   * it (a Redis blip must not leave the task `working` for its whole ttlMs), until the task expires.
   */
  async #retrySettle(job: TaskCall, outcome: TaskOutcome, refusal: unknown): Promise<void> {
    const { taskId } = job;
    const deadline = job.createdAt + (job.ttlMs ?? SETTLE_RETRY_MS);
    this.logger.warn({ err: refusal, taskId }, 'task store failed to settle a task; retrying');
    let error = refusal;
    for (let attempt = 0; ; attempt++) {
      const wait = Math.min(250 * 2 ** attempt, 30_000);
      if (Date.now() + wait > deadline) {
        this.logger.error(
          { err: error, taskId },
          'task store failed to settle a task; giving up at its ttlMs',
        );
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, wait).unref?.());
      try {
        await this.store.settle(taskId, outcome);
        this.logger.info({ taskId, attempts: attempt + 2 }, 'task settled after retries');
        return;
      } catch (next) {
        error = next;
      }
    }
  }

  /**
   * Follows the listed tasks of `auth`'s owner: `listener` gets the `tasks/get` body of each after
   * every change this process makes or hears of (it hears every change of the tasks it runs).
   */
  watchStatus(
    taskIds: ReadonlySet<string>,
    auth: AuthIdentity | undefined,
    listener: (task: Record<string, unknown>) => void,
  ): () => void {
    return this.#watchers.watch(taskOwner(auth), taskIds, listener);
  }

  /** Fails every task this process still holds (after a drain's grace): none stays `working` forever. */
  async failRunning(): Promise<void> {
    await Promise.allSettled(
      [...this.#held.values()].map((job) => this.#settle(job, shutdownOutcome(job.requestId))),
    );
  }

  /** `tasks/get`: the task's status and, for its status, the input requests, result or error. */
  async get(
    params: Record<string, unknown>,
    auth: AuthIdentity | undefined,
  ): Promise<Record<string, unknown>> {
    const task = await this.store.get(taskIdOf(params), taskOwner(auth));
    if (task === undefined) throw taskNotFound();
    return detailedTaskOf(task);
  }

  /** `tasks/update`: answers for the task's input requests (unknown keys are ignored). */
  async update(
    params: Record<string, unknown>,
    auth: AuthIdentity | undefined,
  ): Promise<Record<string, unknown>> {
    const taskId = taskIdOf(params);
    const responses = readInputResponses(params.inputResponses) ?? {};
    if (!(await this.store.answer(taskId, taskOwner(auth), responses))) throw taskNotFound();
    return {};
  }

  /** `tasks/cancel`: cancels a running task; a finished one is left as it is. */
  async cancel(
    params: Record<string, unknown>,
    auth: AuthIdentity | undefined,
  ): Promise<Record<string, unknown>> {
    if (!(await this.store.cancel(taskIdOf(params), taskOwner(auth)))) throw taskNotFound();
    return {};
  }
}

function taskIdOf(params: Record<string, unknown>): string {
  if (typeof params.taskId !== 'string' || params.taskId === '') {
    throw new ProtocolError(RpcCode.INVALID_PARAMS, 'This method needs a "taskId" (a string).');
  }
  return params.taskId;
}

/** Whether a tool's task support lets this call run as a task. */
export function taskEligible(support: TaskSupport | undefined, declared: boolean): boolean {
  return declared && (support === 'optional' || support === 'required');
}
