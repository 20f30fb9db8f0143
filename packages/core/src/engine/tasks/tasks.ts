import type { Logger } from '../../observability/logger.js';
import type { Telemetry } from '../../observability/telemetry.js';
import { readInputResponses } from '../../protocol/input-responses.js';
import { ProtocolError, RpcCode } from '../../protocol/rpc-error.js';
import { type TaskSupport, taskFields, taskNotFound } from '../../protocol/tasks.js';
import { Cancellation } from '../cancellation.js';
import type { AuthIdentity } from '../context.js';
import { McpkitError, toErrorPayload } from '../errors.js';
import type { CallEnv, Exchange } from '../exchange.js';
import type { Inflight } from '../inflight.js';
import { createMemoryTaskStore } from './memory-task-store.js';
import { newTaskId } from './task-id.js';
import { createTaskPort, type TaskPort } from './task-port.js';
import { TaskSlots } from './task-slots.js';
import { type AnnouncedTask, TaskStatusWatchers } from './task-status-watchers.js';
import type { TaskOutcome, TaskRecord, TaskStore } from './task-store.js';
import { detailedTaskOf, taskWire } from './task-wire.js';

export type { TaskPort } from './task-port.js';

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

/** A detached task's way back to the client: none. Progress and log notifications are not sent for tasks. */
const TASK_EXCHANGE: Exchange = {
  notify() {},
  request() {
    return Promise.reject(new McpkitError('INTERNAL', 'A task cannot send requests to the client.'));
  },
};

/** A task this process runs, with what it holds for it. */
type HeldTask = TaskRecord &
  AnnouncedTask & {
    /** Stops following the store's signals for it. */
    unwatch?: () => void;
    /** Aborts the handler when the task's ttlMs passes. */
    expiry?: ReturnType<typeof setTimeout>;
    /** Set when the ttlMs passed before the handler finished. */
    expired?: boolean;
    /** The request that created it (error payloads name it). */
    requestId?: string;
    /** Aborts the handler: on cancel, ttlMs, shutdown, or once the task settled. */
    cancellation?: Cancellation;
  };

/** Longest delay a Node.js timer takes (about 24.8 days); a longer ttlMs re-arms in steps. */
const MAX_TIMER_MS = 2_147_483_647;
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
  readonly #held = new Map<string, HeldTask>();
  readonly #slots: TaskSlots;
  readonly #maxResultBytes: number;
  readonly #watchers: TaskStatusWatchers;

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
  async run(
    ctx: DetachableContext & { hook?: TaskHook },
    env: CallEnv,
    tool: string,
    options: ToolTaskOptions | undefined,
    call: () => Promise<Record<string, unknown>>,
    shape: (result: Record<string, unknown>) => Record<string, unknown>,
  ): Promise<{ task: Record<string, unknown> } | { result: Record<string, unknown> }> {
    let detached: ((record: TaskRecord) => void) | undefined;
    const created = new Promise<TaskRecord>((resolve) => {
      detached = resolve;
    });
    let started: Promise<void> | undefined;
    ctx.hook = {
      mode: options?.detach ?? 'start',
      detach: () => {
        if (started === undefined) {
          started = this.#detach(ctx, env, tool, options, detached as (record: TaskRecord) => void);
          // A handler may start detaching without awaiting it; its refusal must not go unhandled.
          started.catch(() => {});
        }
        return started;
      },
    };
    const running = call();
    const first = await Promise.race([
      running.then((result) => ({ result })),
      created.then((record) => ({ record })),
    ]);
    if ('result' in first) {
      // The handler returned while its task was still being created (it did not await
      // ctx.detach()): the call answers with the result, and the task, once it exists, ends with it.
      if (started !== undefined) {
        void created.then((record) =>
          this.#settle(record, { status: 'completed', result: shape(first.result) }),
        );
      }
      return first;
    }
    const record = first.record;
    running.then(
      (result) => this.#settle(record, this.#completion(record, shape(result))),
      (error) => this.#settle(record, this.#failure(error, record.taskId)),
    );
    return { task: taskFields(taskWire(record)) };
  }

  /**
   * Creates the task, answers the request with it (`created`), then resolves once the handler may
   * run: at once when a slot is free, else when the queue reaches it (rejects if it is cancelled
   * or the server shuts down while it waits).
   */
  async #detach(
    ctx: DetachableContext,
    env: CallEnv,
    tool: string,
    options: ToolTaskOptions | undefined,
    created: (record: TaskRecord) => void,
  ): Promise<void> {
    this.#slots.reserve();
    const taskId = newTaskId();
    const ttlMs = options?.ttlMs === undefined ? this.#ttlMs : options.ttlMs;
    let record: HeldTask;
    try {
      record = await this.store.create({
        taskId,
        owner: taskOwner(ctx.auth),
        tool,
        ttlMs,
        pollIntervalMs: options?.pollIntervalMs ?? this.#pollMs,
      });
    } catch (error) {
      this.#slots.unreserve();
      throw error;
    }
    record.requestId = env.requestId;
    const cancellation = new Cancellation();
    record.cancellation = cancellation;
    this.#held.set(taskId, record);
    this.inflight.add(cancellation);
    if (ttlMs !== null) {
      // Past its ttlMs the task is gone for the client: stop the work too (one timer per task held,
      // bounded by maxRunning + maxQueued).
      const expireAt = record.createdAt + ttlMs;
      const arm = () => {
        const delay = expireAt - Date.now();
        record.expiry = setTimeout(
          delay > MAX_TIMER_MS
            ? arm
            : () => {
                record.expired = true;
                cancellation.abort(
                  new McpkitError(
                    'UPSTREAM_TIMEOUT',
                    `The task outlived its ttlMs (${ttlMs} ms) and was stopped.`,
                  ),
                );
              },
          Math.min(Math.max(0, delay), MAX_TIMER_MS),
        );
        record.expiry.unref?.();
      };
      arm();
    }
    const announce = () => this.#watchers.announce(record);
    const { port, hear } = createTaskPort(taskId, this.store, cancellation, announce, this.logger);
    record.unwatch = this.store.watch(taskId, (signal) => {
      if (signal.kind === 'cancelled') cancellation.abort(cancelledByClient());
      else hear(signal.answers);
      announce();
    });
    ctx.rebind({ ...env, cancellation, exchange: TASK_EXCHANGE, logLevel: null }, port);
    this.telemetry.emit('task.created', { taskId, tool, requestId: env.requestId });
    created(record);
    await this.#slots.acquire(taskId, cancellation);
  }

  /** A task's completion, or a coded failure when its result is too large to keep. */
  #completion(record: HeldTask, result: Record<string, unknown>): TaskOutcome {
    const bytes = Buffer.byteLength(JSON.stringify(result));
    if (bytes <= this.#maxResultBytes) return { status: 'completed', result };
    const error = new McpkitError('INTERNAL', 'The task finished with a result too large to keep.', {
      hint: 'Return less (a link, a page, a summary), or raise tasks.maxResultBytes of createServer().',
      details: { resultBytes: bytes, maxResultBytes: this.#maxResultBytes },
    });
    this.logger.warn({ taskId: record.taskId, resultBytes: bytes }, 'task result too large to keep');
    return {
      status: 'failed',
      error: {
        code: RpcCode.INTERNAL_ERROR,
        message: error.message,
        data: toErrorPayload(error, record.requestId ?? record.taskId),
      },
      statusMessage: error.message,
    };
  }

  #failure(error: unknown, taskId: string): TaskOutcome {
    if (error instanceof ProtocolError) {
      const out: TaskOutcome = {
        status: 'failed',
        error: { code: error.rpcCode, message: error.message },
        statusMessage: error.message,
      };
      if (error.data !== undefined) out.error.data = error.data;
      return out;
    }
    this.logger.error({ err: error, taskId }, 'task failed');
    return {
      status: 'failed',
      error: { code: RpcCode.INTERNAL_ERROR, message: 'Internal error.' },
      statusMessage: 'Internal error.',
    };
  }

  #shutdownFailure(record: HeldTask): TaskOutcome {
    const error = new McpkitError('UPSTREAM_UNAVAILABLE', 'The server shut down before the task finished.', {
      retryable: true,
      hint: 'Call the tool again (another instance, or this one restarted, will run it), unless calling it twice would do its work twice.',
    });
    return {
      status: 'failed',
      error: {
        code: RpcCode.INTERNAL_ERROR,
        message: error.message,
        data: toErrorPayload(error, record.requestId ?? record.taskId),
      },
      statusMessage: error.message,
    };
  }

  async #settle(record: HeldTask, outcome: TaskOutcome): Promise<void> {
    const { taskId } = record;
    const cancellation = record.cancellation;
    // Settled already (by failRunning), or never held.
    if (cancellation === undefined || this.#held.get(taskId) !== record) return;
    const aborted = cancellation.aborted;
    // A shutdown that aborted the handler fails the task retryably, whatever the handler made of it.
    const final = this.inflight.closing && aborted ? this.#shutdownFailure(record) : outcome;
    // Work still running for the task (a promise its handler did not await, a handler a
    // middleware answered for early) stops with it, so nothing outlives the slot it held.
    if (!aborted) cancellation.abort(TASK_ENDED);
    record.unwatch?.();
    clearTimeout(record.expiry);
    this.inflight.delete(cancellation);
    this.#held.delete(taskId);
    this.#slots.release(taskId);
    const kind = record.expired
      ? 'task.failed'
      : aborted && !this.inflight.closing
        ? 'task.cancelled'
        : final.status === 'completed'
          ? 'task.completed'
          : 'task.failed';
    await this.#persist(record, final);
    this.#watchers.announce(record);
    this.telemetry.emit(kind, { taskId, tool: record.tool, durationMs: Date.now() - record.createdAt });
  }

  /**
   * Writes a task's outcome to the store, retrying with backoff while the store cannot take it (a
   * Redis blip must not leave the task `working` for its whole ttlMs), until the task expires.
   */
  async #persist(record: HeldTask, outcome: TaskOutcome): Promise<void> {
    const deadline = record.createdAt + (record.ttlMs ?? SETTLE_RETRY_MS);
    for (let attempt = 0; ; attempt++) {
      try {
        await this.store.settle(record.taskId, outcome);
        if (attempt > 0)
          this.logger.info({ taskId: record.taskId, attempts: attempt + 1 }, 'task settled after retries');
        return;
      } catch (error) {
        const wait = Math.min(250 * 2 ** attempt, 30_000);
        if (Date.now() + wait > deadline) {
          this.logger.error(
            { err: error, taskId: record.taskId },
            'task store failed to settle a task; giving up at its ttlMs',
          );
          return;
        }
        if (attempt === 0)
          this.logger.warn(
            { err: error, taskId: record.taskId },
            'task store failed to settle a task; retrying',
          );
        await new Promise((resolve) => setTimeout(resolve, wait).unref?.());
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
      [...this.#held.values()].map((record) => this.#settle(record, this.#shutdownFailure(record))),
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
