import type { TaskSignal, TaskStore } from '@mcpkit/core';
import { type ContractClock, manualClock } from './contract-clock.js';
import {
  type ContractSuite,
  type ContractTest,
  ensure,
  ensureEqual,
  settlesWithin,
  uniquePrefix,
} from './contract-suite.js';

/** Options of {@link taskStoreContract}. */
export interface TaskStoreContractOptions {
  /** A fresh store reading time from `clock.now` (its `now` option); may be async. */
  create(clock: ContractClock): TaskStore | Promise<TaskStore>;
  /** Frees what `create` opened (e.g. the Redis store's `close()`). */
  dispose?(store: TaskStore): void | Promise<void>;
  /** A store whose backend is down, for the failure check (`create` must reject, not hang). */
  unreachable?(): TaskStore | Promise<TaskStore>;
  /** Longest wait for a watcher to hear a signal, in ms (a shared store delivers them over the network). Default: 2 000. */
  signalWaitMs?: number;
}

const ELICIT = {
  method: 'elicitation/create' as const,
  params: {
    message: 'Your name?',
    requestedSchema: { type: 'object' as const, properties: { name: { type: 'string' as const } } },
  },
};
const ACCEPT = { action: 'accept', content: { name: 'Ada' } };

/** Waits until `listener` has heard `count` signals, or the time is up. */
async function heard(signals: TaskSignal[], count: number, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (signals.length < count && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 5));
}

/**
 * The `TaskStore` contract of `@mcpkit/core` as a suite: creation and reads scoped to the owner,
 * input requests and answers, settling and cancelling (terminal states stay), watchers' signals,
 * expiry at `createdAt + ttlMs` on the injected clock, concurrent creates and racing settles, and
 * rejection (not a hang) while the backend is down.
 */
export function taskStoreContract(options: TaskStoreContractOptions): ContractSuite {
  const prefix = uniquePrefix('task');
  let n = 0;
  const id = () => `${prefix}${++n}`;
  const waitMs = options.signalWaitMs ?? 2_000;
  const withStore = (body: (store: TaskStore, clock: ContractClock) => Promise<void>) => async () => {
    const clock = manualClock();
    const store = await options.create(clock);
    try {
      await body(store, clock);
    } finally {
      await options.dispose?.(store);
    }
  };
  const tests: ContractTest[] = [
    {
      name: 'creates a working task that only its owner can read',
      run: withStore(async (store, clock) => {
        const taskId = id();
        const created = await store.create({
          taskId,
          owner: 'alice',
          tool: 'export',
          ttlMs: 60_000,
          pollIntervalMs: 500,
        });
        const expected = {
          taskId,
          owner: 'alice',
          tool: 'export',
          status: 'working',
          createdAt: clock.now(),
          lastUpdatedAt: clock.now(),
          ttlMs: 60_000,
          pollIntervalMs: 500,
          inputRequests: {},
        };
        ensureEqual(created, expected, 'the created record');
        ensureEqual(await store.get(taskId, 'alice'), expected, 'the record its owner reads');
        ensureEqual(await store.get(taskId, 'mallory'), undefined, 'the record another owner reads');
        ensureEqual(await store.get(id(), 'alice'), undefined, 'an unknown task');
        ensureEqual(await store.cancel(taskId, 'mallory'), false, 'cancel by another owner');
        ensureEqual(await store.answer(taskId, 'mallory', {}), false, 'answer by another owner');
        ensureEqual((await store.get(taskId, 'alice'))?.status, 'working', 'status after refused calls');
      }),
    },
    {
      name: 'asks for input, takes the owner’s answers for outstanding keys, and is working again',
      run: withStore(async (store, clock) => {
        const taskId = id();
        await store.create({ taskId, owner: 'alice', tool: 'ask', ttlMs: 60_000 });
        const signals: TaskSignal[] = [];
        const stop = store.watch(taskId, (signal) => signals.push(signal));
        await clock.advance(10);
        await store.requestInput(taskId, { name: ELICIT });
        const asking = await store.get(taskId, 'alice');
        ensureEqual(asking?.status, 'input_required', 'status after requestInput');
        ensureEqual(asking?.inputRequests, { name: ELICIT }, 'the outstanding input requests');
        ensureEqual(asking?.lastUpdatedAt, clock.now(), 'lastUpdatedAt after requestInput');
        ensureEqual(await store.answer(id(), 'alice', { name: ACCEPT }), false, 'answer for an unknown task');
        ensureEqual(
          await store.answer(taskId, 'alice', { name: ACCEPT, other: ACCEPT }),
          true,
          'answer by the owner',
        );
        const answered = await store.get(taskId, 'alice');
        ensureEqual(answered?.status, 'working', 'status once every request is answered');
        ensureEqual(answered?.inputRequests, {}, 'outstanding requests once answered');
        await heard(signals, 1, waitMs);
        stop();
        ensureEqual(
          signals,
          [{ kind: 'answered', answers: { name: ACCEPT } }],
          'what the watcher heard (unasked keys ignored)',
        );
      }),
    },
    {
      name: 'settles once: a completed or failed task stays as it ended',
      run: withStore(async (store) => {
        const done = id();
        const failed = id();
        await store.create({ taskId: done, owner: 'alice', tool: 't', ttlMs: 60_000 });
        await store.create({ taskId: failed, owner: 'alice', tool: 't', ttlMs: 60_000 });
        await store.setStatusMessage(done, 'halfway');
        ensureEqual((await store.get(done, 'alice'))?.statusMessage, 'halfway', 'the status message');
        const result = { content: [{ type: 'text', text: 'ok' }] };
        await store.settle(done, { status: 'completed', result });
        await store.settle(done, { status: 'failed', error: { code: -32603, message: 'late' } });
        const completed = await store.get(done, 'alice');
        ensureEqual(
          [completed?.status, completed?.result],
          ['completed', result],
          'a completed task settled again',
        );
        ensureEqual(await store.cancel(done, 'alice'), true, 'cancel of a terminal task by its owner');
        ensureEqual((await store.get(done, 'alice'))?.status, 'completed', 'a completed task after cancel');
        const error = { code: -32603, message: 'boom', data: { step: 2 } };
        await store.settle(failed, { status: 'failed', error, statusMessage: 'step 2 failed' });
        const gotFailed = await store.get(failed, 'alice');
        ensureEqual(
          [gotFailed?.status, gotFailed?.error, gotFailed?.statusMessage],
          ['failed', error, 'step 2 failed'],
          'a failed task',
        );
      }),
    },
    {
      name: 'cancels a running task, tells its watchers, and ignores a later settle',
      run: withStore(async (store) => {
        const taskId = id();
        await store.create({ taskId, owner: 'alice', tool: 't', ttlMs: 60_000 });
        await store.requestInput(taskId, { name: ELICIT });
        const signals: TaskSignal[] = [];
        store.watch(taskId, (signal) => signals.push(signal));
        const stopped: TaskSignal[] = [];
        store.watch(taskId, (signal) => stopped.push(signal))();
        ensureEqual(await store.cancel(taskId, 'alice'), true, 'cancel by the owner');
        await store.settle(taskId, { status: 'completed', result: {} });
        const cancelled = await store.get(taskId, 'alice');
        ensureEqual(
          [cancelled?.status, cancelled?.inputRequests],
          ['cancelled', {}],
          'a cancelled task after settle',
        );
        await heard(signals, 1, waitMs);
        ensureEqual(signals, [{ kind: 'cancelled' }], 'what the watcher heard');
        ensureEqual(stopped, [], 'what an unsubscribed watcher heard');
      }),
    },
    {
      name: 'forgets a task once createdAt + ttlMs has passed on its clock, and keeps one without ttl (expiry)',
      run: withStore(async (store, clock) => {
        const short = id();
        const forever = id();
        await store.create({ taskId: short, owner: 'alice', tool: 't', ttlMs: 1_000 });
        await store.create({ taskId: forever, owner: 'alice', tool: 't', ttlMs: null });
        await clock.advance(999);
        ensure(await store.get(short, 'alice'), 'a task 1 ms before its ttl ends is still there');
        await clock.advance(1);
        ensureEqual(await store.get(short, 'alice'), undefined, 'a task whose ttl has passed');
        // A store may bound how long it keeps a task with no ttlMs (both mcpkit stores: a day by
        // default); hours later it is still there.
        await clock.advance(6 * 3_600_000);
        ensureEqual(
          (await store.get(forever, 'alice'))?.status,
          'working',
          'a task with ttlMs null six hours later',
        );
      }),
    },
    {
      name: 'keeps every one of many concurrent creates, and one outcome of a settle racing a cancel',
      run: withStore(async (store) => {
        const ids = Array.from({ length: 20 }, () => id());
        await Promise.all(
          ids.map((taskId) => store.create({ taskId, owner: 'alice', tool: 't', ttlMs: 60_000 })),
        );
        const read = await Promise.all(ids.map((taskId) => store.get(taskId, 'alice')));
        ensureEqual(
          read.filter((task) => task?.status === 'working').length,
          20,
          'tasks readable after 20 concurrent creates',
        );
        const raced = await Promise.all(
          ids.map(async (taskId, i) => {
            const settle = store.settle(taskId, { status: 'completed', result: { i } });
            const cancel = store.cancel(taskId, 'alice');
            await Promise.all([settle, cancel]);
            return store.get(taskId, 'alice');
          }),
        );
        for (const task of raced) {
          ensure(
            (task?.status === 'completed' && task.result !== undefined) ||
              (task?.status === 'cancelled' && task.result === undefined),
            `one whole outcome of a settle racing a cancel, got ${JSON.stringify(task)}`,
          );
        }
      }),
    },
  ];
  if (options.unreachable) {
    const unreachable = options.unreachable;
    tests.push({
      name: 'rejects (never hangs) while its backend is down (failure)',
      run: async () => {
        const store = await unreachable();
        try {
          const created = await settlesWithin(
            () => store.create({ taskId: id(), owner: 'alice', tool: 't', ttlMs: 60_000 }),
            5_000,
            'create on a store whose backend is down',
          );
          ensure(!created.ok, 'create should reject while the backend is down');
        } finally {
          await options.dispose?.(store);
        }
      },
    });
  }
  return { name: 'task store contract', tests };
}
