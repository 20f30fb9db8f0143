import { createHash, randomBytes } from 'node:crypto';
import {
  type Clock,
  clockNow,
  createLogger,
  type InputRequestSpec,
  type Logger,
  McpkitError,
  type NewTask,
  RpcCode,
  type TaskOutcome,
  type TaskRecord,
  type TaskSignal,
  type TaskStatus,
  type TaskStore,
  toErrorPayload,
} from '@mcpkit/core';
import { isValidInputResponse, newTaskRecord, ownerTaskLimit } from '@mcpkit/core/internal';
import type { RedisTaskClient } from './redis-client.js';
import { RedisOutage } from './redis-outage.js';
import {
  ANSWER,
  BEAT,
  BEATING,
  CANCEL,
  CREATE,
  FAIL_ORPHAN,
  RELEASE,
  REQUEST_INPUT,
  RESERVE,
  SET_STATUS_MESSAGE,
  SETTLE,
} from './task-scripts.js';
import { TaskSignals } from './task-signals.js';

/** Options of {@link createRedisTaskStore}. */
export interface RedisTaskStoreOptions {
  /**
   * Your ioredis client (or anything shaped like {@link RedisTaskClient}); the store subscribes
   * through `client.duplicate()`. For fast failure while Redis is down, create it with
   * `enableOfflineQueue: false` and `maxRetriesPerRequest: 1`.
   */
  client: RedisTaskClient;
  /** Prefix of every key the store writes, and of its signal channel. Default: `mcpkit:task:`. */
  prefix?: string;
  /**
   * How long Redis keeps a task created with `ttlMs: null` (no limit), in ms: Redis has no other
   * bound on what it holds. Default: 86 400 000 (24 hours).
   */
  nullTtlMs?: number;
  /**
   * Most tasks one owner (auth subject and client id; every anonymous caller is one owner) holds
   * at once across every instance, running or kept for their result, so no caller can fill Redis
   * and deny the others. Counted atomically in Redis (a sorted set per owner,
   * `<prefix>owner:<hash>`); past it that owner's new tasks are refused with a retryable
   * `RATE_LIMITED` whose `retryAfterMs` says when the owner's next task expires. `Infinity` turns
   * the count off. Default: 1 000.
   */
  maxTasksPerOwner?: number;
  /**
   * How long an instance's heartbeat lives in Redis, in ms (it is renewed every third of that).
   * A running task whose instance stopped beating (crashed, killed, cut off from Redis) is marked
   * failed, with a retryable `UPSTREAM_UNAVAILABLE`, by the first instance that reads it after the
   * heartbeat lapsed. Default: 10 000.
   */
  heartbeatMs?: number;
  /** Longest wait for one Redis command before it counts as failed, in ms. Default: 1 000. */
  timeoutMs?: number;
  /** Where the outage start and end lines go. Default: `createLogger()` (JSON lines on stderr). */
  logger?: Logger;
  /** Name in errors and logs. Default: `Redis task store`. */
  name?: string;
  /** Clock, for tests. Default: `clock`'s. */
  now?: () => number;
  /** The clock read when `now` is not given (see `Clock`). Default: `systemClock`. */
  clock?: Clock;
}

/** A {@link TaskStore} in Redis; `close()` ends its subscriber connection (never the client you passed). */
export interface RedisTaskStore extends TaskStore {
  /** Stops following signals and closes the subscriber connection. */
  close(): Promise<void>;
}

const CANCEL_MESSAGE = 'Cancelled by the client.';
const ORPHAN_MESSAGE = 'The server instance running the task stopped before it finished.';

/**
 * Tasks in Redis, shared by every instance: a task created through one server can be read,
 * answered and cancelled through any other, and a cancel or an answer reaches the handler
 * wherever it runs (pub/sub on `<prefix>signals`). Each task is one hash that expires with its
 * `ttlMs`; status changes are Lua scripts, so they are atomic across instances. While Redis is
 * down every method fails with a retryable `UPSTREAM_UNAVAILABLE`.
 */
export function createRedisTaskStore(options: RedisTaskStoreOptions): RedisTaskStore {
  if (options?.client === undefined || options.client === null) {
    throw new McpkitError('VALIDATION_FAILED', 'The Redis task store needs a Redis client in `client`.', {
      hint: "npm install ioredis, then pass `client: new Redis(process.env.REDIS_URL)` (import { Redis } from 'ioredis').",
    });
  }
  return new RedisTaskStoreImpl(options);
}

class RedisTaskStoreImpl implements RedisTaskStore {
  readonly #client: RedisTaskClient;
  readonly #prefix: string;
  readonly #nullTtlMs: number;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  readonly #logger: Logger;
  readonly #outage: RedisOutage;
  readonly #signals: TaskSignals;
  readonly #heartbeatMs: number;
  readonly #maxPerOwner: number;
  /** This instance's id in the `instance` field of the tasks it creates (and so runs). */
  readonly #instance = randomBytes(12).toString('base64url');
  #beating: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: RedisTaskStoreOptions) {
    this.#client = options.client;
    this.#prefix = options.prefix ?? 'mcpkit:task:';
    this.#nullTtlMs = options.nullTtlMs ?? 86_400_000;
    this.#timeoutMs = options.timeoutMs ?? 1_000;
    this.#heartbeatMs = options.heartbeatMs ?? 10_000;
    this.#maxPerOwner = options.maxTasksPerOwner ?? 1_000;
    if (!(this.#maxPerOwner >= 1)) {
      throw new McpkitError(
        'VALIDATION_FAILED',
        'maxTasksPerOwner of the Redis task store must be at least 1.',
        {
          hint: 'Pass a positive number, or Infinity to not count tasks per owner.',
          details: { maxTasksPerOwner: this.#maxPerOwner },
        },
      );
    }
    this.#now = clockNow(options);
    this.#logger = options.logger ?? createLogger();
    this.#outage = new RedisOutage(options.name ?? 'Redis task store', this.#logger, this.#timeoutMs);
    this.#signals = new TaskSignals({
      client: this.#client,
      channel: `${this.#prefix}signals`,
      timeoutMs: this.#timeoutMs,
      logger: this.#logger,
      run: (operation, command) => this.#run(operation, command),
      // After the subscriber reconnects: did the task end, or get answers, while it was away?
      state: async (taskId) => {
        const hash = await this.#run('read a task', () => this.#client.hgetall(this.#key(taskId)));
        const task = toRecord(taskId, hash);
        if (task === undefined) return undefined;
        const answers: Record<string, unknown> = {};
        for (const [field, value] of Object.entries(hash)) {
          if (field.startsWith('ans:')) answers[field.slice(4)] = JSON.parse(value);
        }
        return { ended: ENDED.has(task.status), answers };
      },
    });
  }

  #key(taskId: string): string {
    return `${this.#prefix}${taskId}`;
  }

  /** An owner's index key: hashed, so no identity appears in key names and the length is fixed. */
  #ownerKey(owner: string): string {
    return `${this.#prefix}owner:${createHash('sha256').update(owner).digest('base64url')}`;
  }

  #instanceKey(instance: string): string {
    return `${this.#prefix}instance:${instance}`;
  }

  #beat(): Promise<unknown> {
    return this.#run('renew the heartbeat', () =>
      this.#client.eval(BEAT, 1, this.#instanceKey(this.#instance), this.#heartbeatMs),
    );
  }

  /** Beats before the first task exists (so it never looks orphaned), then every third of heartbeatMs. */
  async #startBeating(): Promise<void> {
    if (this.#beating !== undefined || this.#closed) return;
    await this.#beat();
    if (this.#beating !== undefined || this.#closed) return;
    // A failed beat is the outage's to log; the next one may succeed.
    this.#beating = setInterval(
      () => this.#beat().catch(() => {}),
      Math.max(1, Math.floor(this.#heartbeatMs / 3)),
    );
    this.#beating.unref();
  }

  #run<T>(operation: string, command: () => Promise<T>): Promise<T> {
    return this.#outage.run(operation, command);
  }

  async create(task: NewTask): Promise<TaskRecord> {
    // Subscribed before the task exists, so a cancel sent the moment its id is known is heard.
    await this.#signals.ready();
    await this.#startBeating();
    const now = this.#now();
    const fields: Array<string | number> = [
      'owner',
      task.owner,
      'tool',
      task.tool,
      'status',
      'working',
      'createdAt',
      now,
      'updatedAt',
      now,
      'ttlMs',
      task.ttlMs ?? '',
      'pending',
      0,
      'instance',
      this.#instance,
    ];
    if (task.pollIntervalMs !== undefined) fields.push('pollIntervalMs', task.pollIntervalMs);
    const expiry = Math.max(1, Math.ceil(task.ttlMs ?? this.#nullTtlMs));
    const counted = Number.isFinite(this.#maxPerOwner);
    const ownerKey = this.#ownerKey(task.owner);
    let took = false;
    if (counted) {
      // The owner's place is taken first, in one script on the owner's key alone (no cross-slot
      // script on Redis Cluster); a place whose task was not created is given back below, and
      // one left by a crash in between expires with the task it was taken for.
      const reserved = Number(
        await this.#run('count the tasks of an owner', () =>
          this.#client.eval(RESERVE, 1, ownerKey, now, this.#maxPerOwner, task.taskId, now + expiry),
        ),
      );
      if (reserved < 0) throw ownerTaskLimit(this.#maxPerOwner, -reserved);
      took = reserved === 1;
    }
    let created: unknown;
    try {
      created = await this.#run('create a task', () =>
        this.#client.eval(CREATE, 1, this.#key(task.taskId), expiry, ...fields),
      );
    } finally {
      if (took && created !== 1) {
        await this.#run('release a place of an owner', () =>
          this.#client.eval(RELEASE, 1, ownerKey, task.taskId),
        ).catch(() => {});
      }
    }
    if (created !== 1) {
      throw new McpkitError('CONFLICT', 'A task with this id already exists.', { retryable: true });
    }
    return newTaskRecord(task, now);
  }

  /**
   * The live task of `owner`, read in one round trip. Another owner's task answers as a missing
   * one before anything else is looked at: the same cost, and no change made on their behalf.
   */
  async #read(taskId: string, owner: string): Promise<TaskRecord | undefined> {
    const hash = await this.#run('read a task', () => this.#client.hgetall(this.#key(taskId)));
    const task = toRecord(taskId, hash);
    if (task === undefined || task.owner !== owner) return undefined;
    // Redis expires the key; the clock check keeps the store's answer exact between its expiry tick.
    if (task.ttlMs !== null && this.#now() >= task.createdAt + task.ttlMs) return undefined;
    const instance = hash.instance;
    if (instance === undefined || (task.status !== 'working' && task.status !== 'input_required'))
      return task;
    return (await this.#failIfOrphaned(task, instance)) ?? task;
  }

  /** The task marked failed when the instance running it stopped beating; undefined while it beats. */
  async #failIfOrphaned(task: TaskRecord, instance: string): Promise<TaskRecord | undefined> {
    if (instance === this.#instance && !this.#closed) return undefined;
    // Just after this instance's own outage, every heartbeat may have lapsed in the same outage;
    // the live ones beat again within a third of heartbeatMs. Judge none until then.
    if (Date.now() - this.#outage.recoveredAt < this.#heartbeatMs) return undefined;
    const error = new McpkitError('UPSTREAM_UNAVAILABLE', ORPHAN_MESSAGE, {
      retryable: true,
      hint: 'Call the tool again (a live instance will run it), unless calling it twice would do its work twice.',
    });
    const wire = {
      code: RpcCode.INTERNAL_ERROR,
      message: ORPHAN_MESSAGE,
      data: toErrorPayload(error, task.taskId),
    };
    const beating = await this.#run('check the heartbeat of a task', () =>
      this.#client.eval(BEATING, 1, this.#instanceKey(instance)),
    );
    if (beating === 1) return undefined;
    const failed = await this.#run('fail an orphaned task', () =>
      this.#client.eval(
        FAIL_ORPHAN,
        1,
        this.#key(task.taskId),
        this.#now(),
        JSON.stringify(wire),
        ORPHAN_MESSAGE,
        instance,
        this.#signals.channel,
        task.taskId,
      ),
    );
    if (failed !== 1) return undefined;
    return { ...task, status: 'failed', statusMessage: ORPHAN_MESSAGE, inputRequests: {}, error: wire };
  }

  get(taskId: string, owner: string): Promise<TaskRecord | undefined> {
    return this.#read(taskId, owner);
  }

  async requestInput(taskId: string, requests: Record<string, InputRequestSpec>): Promise<void> {
    const pairs: string[] = [];
    for (const [key, spec] of Object.entries(requests)) pairs.push(key, JSON.stringify(spec));
    await this.#run('request input', () =>
      this.#client.eval(REQUEST_INPUT, 1, this.#key(taskId), this.#now(), ...pairs),
    );
  }

  async answer(taskId: string, owner: string, responses: Record<string, unknown>): Promise<boolean> {
    const task = await this.get(taskId, owner);
    if (task === undefined) return false;
    // Validated here against the requests' methods, taken (or not) atomically by the script.
    const pairs: string[] = [];
    for (const [key, value] of Object.entries(responses)) {
      const spec = task.inputRequests[key];
      if (spec === undefined || !isValidInputResponse(spec.method, value)) continue;
      pairs.push(key, JSON.stringify(value));
    }
    if (pairs.length === 0) return true;
    const known = await this.#run('answer a task', () =>
      this.#client.eval(
        ANSWER,
        1,
        this.#key(taskId),
        owner,
        this.#now(),
        this.#signals.channel,
        taskId,
        ...pairs,
      ),
    );
    return known === 1;
  }

  async settle(taskId: string, outcome: TaskOutcome): Promise<void> {
    const args: Array<string | number> = [this.#now(), outcome.status];
    if (outcome.status === 'completed') args.push('result', JSON.stringify(outcome.result));
    else {
      args.push('error', JSON.stringify(outcome.error));
      if (outcome.statusMessage !== undefined) args.push(outcome.statusMessage);
    }
    await this.#run('settle a task', () => this.#client.eval(SETTLE, 1, this.#key(taskId), ...args));
    this.#signals.forget(taskId);
  }

  async setStatusMessage(taskId: string, message: string): Promise<void> {
    await this.#run('set a status message', () =>
      this.#client.eval(SET_STATUS_MESSAGE, 1, this.#key(taskId), this.#now(), message),
    );
  }

  async cancel(taskId: string, owner: string): Promise<boolean> {
    const known = await this.#run('cancel a task', () =>
      this.#client.eval(
        CANCEL,
        1,
        this.#key(taskId),
        owner,
        this.#now(),
        this.#signals.channel,
        taskId,
        CANCEL_MESSAGE,
      ),
    );
    return known === 1;
  }

  watch(taskId: string, listener: (signal: TaskSignal) => void): () => void {
    return this.#signals.watch(taskId, listener);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#beating);
    this.#beating = undefined;
    await this.#signals.close();
  }
}

const STATUSES = new Set<string>(['working', 'input_required', 'completed', 'failed', 'cancelled']);
const ENDED = new Set<string>(['completed', 'failed', 'cancelled']);

/** A task from its hash; undefined for a missing (or unreadable) one. */
function toRecord(taskId: string, hash: Record<string, string>): TaskRecord | undefined {
  const { status, owner, tool } = hash;
  if (status === undefined || owner === undefined || tool === undefined || !STATUSES.has(status))
    return undefined;
  const inputRequests: Record<string, InputRequestSpec> = {};
  for (const [field, value] of Object.entries(hash)) {
    if (field.startsWith('in:')) inputRequests[field.slice(3)] = JSON.parse(value) as InputRequestSpec;
  }
  const record: TaskRecord = {
    taskId,
    owner,
    tool,
    status: status as TaskStatus,
    createdAt: Number(hash.createdAt),
    lastUpdatedAt: Number(hash.updatedAt),
    ttlMs: hash.ttlMs === undefined || hash.ttlMs === '' ? null : Number(hash.ttlMs),
    inputRequests,
  };
  if (hash.pollIntervalMs !== undefined)
    (record as { pollIntervalMs?: number }).pollIntervalMs = Number(hash.pollIntervalMs);
  if (hash.message !== undefined) record.statusMessage = hash.message;
  if (hash.result !== undefined) record.result = JSON.parse(hash.result) as Record<string, unknown>;
  if (hash.error !== undefined) record.error = JSON.parse(hash.error) as TaskRecord['error'];
  return record;
}
