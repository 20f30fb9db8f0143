import type { Logger, TaskSignal } from '@mcpkit/core';
import type { RedisTaskClient, RedisTaskSubscriber } from './redis-client.js';

/** What {@link TaskSignals} needs from its store. */
export interface TaskSignalsOptions {
  client: RedisTaskClient;
  /** The pub/sub channel the store's scripts publish cancels and answers on. */
  channel: string;
  timeoutMs: number;
  logger: Logger;
  /** Runs a Redis step with the store's deadline and coded errors. */
  run: <T>(operation: string, command: () => Promise<T>) => Promise<T>;
  /**
   * What a followed task's signals would have said, read from the task itself: whether it ended
   * (cancelled, or failed elsewhere) and the answers taken for it so far. Asked for every followed
   * task after the subscriber reconnects; undefined for a task that is gone. Rejects when Redis
   * cannot say (the store's own connection may still be down).
   */
  state: (taskId: string) => Promise<{ ended: boolean; answers: Record<string, unknown> } | undefined>;
}

/** How far apart a reconnected subscriber asks about a followed task, at first and at most. */
const RECHECK_FIRST_MS = 200;
const RECHECK_MAX_MS = 5_000;

interface Watcher {
  listener: (signal: TaskSignal) => void;
}

/**
 * The listening half of the task store: one subscriber connection (`client.duplicate()`) on the
 * store's channel, dispatching each cancel and answer to the watchers of its task in this process.
 */
export class TaskSignals {
  readonly channel: string;
  readonly #options: TaskSignalsOptions;
  readonly #watchers = new Map<string, Set<Watcher>>();
  #subscriber: RedisTaskSubscriber | undefined;
  #subscription: Promise<void> | undefined;
  #closed = false;

  constructor(options: TaskSignalsOptions) {
    this.#options = options;
    this.channel = options.channel;
  }

  /** Resolves once the subscription is live; rejects with the store's coded error when it cannot be. */
  ready(): Promise<void> {
    return this.#options.run('subscribe to task signals', () => this.#subscribed());
  }

  watch(taskId: string, listener: (signal: TaskSignal) => void): () => void {
    let set = this.#watchers.get(taskId);
    if (set === undefined) {
      set = new Set();
      this.#watchers.set(taskId, set);
    }
    const watcher: Watcher = { listener };
    set.add(watcher);
    // Normally already subscribed (create waits for it); a failure here is the outage's to log.
    this.ready().catch(() => {});
    return () => {
      set.delete(watcher);
      if (set.size === 0 && this.#watchers.get(taskId) === set) this.#watchers.delete(taskId);
    };
  }

  /** Drops a settled task's watchers, as the memory store does. */
  forget(taskId: string): void {
    this.#watchers.delete(taskId);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#watchers.clear();
    const subscriber = this.#subscriber;
    this.#subscriber = undefined;
    this.#subscription = undefined;
    if (subscriber === undefined) return;
    await subscriber.quit().catch(() => subscriber.disconnect());
  }

  #subscribed(): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('the store is closed'));
    this.#subscription ??= this.#subscribe().catch((error: unknown) => {
      this.#subscription = undefined;
      throw error;
    });
    return this.#subscription;
  }

  async #subscribe(): Promise<void> {
    const subscriber = this.#subscriber ?? this.#open();
    if (subscriber.status !== 'ready') {
      // With enableOfflineQueue: false a SUBSCRIBE before the connection is up fails at once.
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          subscriber.removeListener('ready', ready);
          reject(new Error(`the subscriber connection was not ready within ${this.#options.timeoutMs} ms`));
        }, this.#options.timeoutMs);
        const ready = () => {
          clearTimeout(timer);
          resolve();
        };
        subscriber.once('ready', ready);
      });
    }
    await subscriber.subscribe(this.channel);
  }

  #open(): RedisTaskSubscriber {
    const subscriber = this.#options.client.duplicate();
    this.#subscriber = subscriber;
    // Errors surface through the commands that need Redis; the connection itself reconnects.
    subscriber.on('error', () => {});
    subscriber.on('message', (channel, message) => {
      if (channel === this.channel) this.#deliver(message);
    });
    // After a reconnect, a cancel or an answer published while the subscriber was away was missed: look.
    subscriber.on('ready', () => {
      for (const taskId of this.#watchers.keys()) void this.#recheck(taskId);
    });
    return subscriber;
  }

  /**
   * Replays what the task holds (answers are taken once, so one heard twice changes nothing) and
   * stops it when it ended; asks until Redis answers, for as long as the task is followed (the
   * store's connection may come back after the subscriber's).
   */
  async #recheck(taskId: string): Promise<void> {
    for (let delay = RECHECK_FIRST_MS; ; delay = Math.min(delay * 2, RECHECK_MAX_MS)) {
      if (this.#closed || !this.#watchers.has(taskId)) return;
      try {
        const state = await this.#options.state(taskId);
        if (state === undefined || state.ended) this.#emit(taskId, { kind: 'cancelled' });
        else if (Object.keys(state.answers).length > 0)
          this.#emit(taskId, { kind: 'answered', answers: state.answers });
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, delay).unref());
      }
    }
  }

  #deliver(message: string): void {
    let signal: { taskId?: unknown; kind?: unknown; answers?: unknown };
    try {
      signal = JSON.parse(message) as typeof signal;
    } catch {
      return;
    }
    if (typeof signal.taskId !== 'string') return;
    if (signal.kind === 'cancelled') this.#emit(signal.taskId, { kind: 'cancelled' });
    else if (signal.kind === 'answered' && typeof signal.answers === 'object' && signal.answers !== null)
      this.#emit(signal.taskId, { kind: 'answered', answers: signal.answers as Record<string, unknown> });
  }

  #emit(taskId: string, signal: TaskSignal): void {
    const set = this.#watchers.get(taskId);
    if (set === undefined) return;
    // A cancelled task hears nothing more, as with the memory store.
    if (signal.kind === 'cancelled') this.#watchers.delete(taskId);
    for (const watcher of [...set]) {
      try {
        watcher.listener(signal);
      } catch (error) {
        this.#options.logger.error({ err: error, taskId }, 'a task signal listener threw');
      }
    }
  }
}
