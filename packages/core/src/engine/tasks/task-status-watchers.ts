import type { Logger } from '../../observability/logger.js';
import type { TaskStore } from './task-store.js';
import { detailedTaskOf } from './task-wire.js';

/** The task being announced: its id and owner, and the last state told of it (kept on the task itself, so it goes with it). */
export interface AnnouncedTask {
  readonly taskId: string;
  readonly owner: string;
  announced?: string;
}

interface Watcher {
  readonly owner: string;
  readonly taskIds: ReadonlySet<string>;
  readonly listener: (task: Record<string, unknown>) => void;
}

/**
 * The status listeners of one process (`subscriptions/listen` streams listing task ids): each
 * hears the listed tasks of its own owner, as `tasks/get` shows them, once per state.
 */
export class TaskStatusWatchers {
  readonly #watchers = new Set<Watcher>();

  constructor(
    private readonly store: TaskStore,
    private readonly logger: Logger,
  ) {}

  /** Adds a listener for `owner`'s tasks among `taskIds`; returns the unsubscribe function. */
  watch(
    owner: string,
    taskIds: ReadonlySet<string>,
    listener: (task: Record<string, unknown>) => void,
  ): () => void {
    const watcher: Watcher = { owner, taskIds, listener };
    this.#watchers.add(watcher);
    return () => this.#watchers.delete(watcher);
  }

  /** Tells the task's listeners its current state, read back from the store; costs nothing without listeners. */
  announce(task: AnnouncedTask): void {
    if (this.#watchers.size === 0) return;
    const { taskId, owner } = task;
    const interested = [...this.#watchers].filter((w) => w.owner === owner && w.taskIds.has(taskId));
    if (interested.length === 0) return;
    this.store.get(taskId, owner).then(
      (stored) => {
        if (stored === undefined) return;
        // A cancel is heard twice (the store's signal, then the settle): tell each state once.
        const state = `${stored.status}\u0000${stored.lastUpdatedAt}\u0000${stored.statusMessage ?? ''}`;
        if (task.announced === state) return;
        task.announced = state;
        const body = detailedTaskOf(stored);
        for (const watcher of interested) watcher.listener(body);
      },
      (error: unknown) =>
        this.logger.warn({ err: error, taskId }, 'task status could not be read for its listeners'),
    );
  }
}
