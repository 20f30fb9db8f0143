import { ProtocolError } from '@mcpkit/core';
import { RemoteError } from './remote-error.js';
import { cancelledError, followError } from './task-errors.js';
import { followSignal, raceAbort, sleep } from './task-wait.js';
import type { TaskEnd, TaskSnapshot } from './task-wire.js';

/**
 * Answers one of the server's input requests (`elicitation/create`, `sampling/createMessage`,
 * `roots/list`); `signal` aborts when the call that waits for the answer gives up.
 */
export type InputAnswerer = (
  method: string,
  params: Record<string, unknown> | undefined,
  signal: AbortSignal,
) => Promise<unknown>;

/** How a task is followed (see `TaskChannel.follow`). */
export interface FollowOptions {
  signal?: AbortSignal | undefined;
  deadline: number;
  /** Called with each new status message of the task (the first one included). */
  onStatus?: ((message: string) => void) | undefined;
}

/** A request of the extension as the follow loop sends it: the channel's, with its abort and deadline. */
type FollowRequest = { signal?: AbortSignal | undefined; deadline: number };

/** What following a task needs from the channel. */
export interface FollowDeps {
  /** `tasks/get`. */
  get(taskId: string, options: FollowRequest): Promise<TaskSnapshot>;
  /** Any other request of the extension (`tasks/update`). */
  request(method: string, params: Record<string, unknown>, options: FollowRequest): Promise<unknown>;
  /** `tasks/cancel`, best effort. */
  cancel(taskId: string): Promise<void>;
  /** The client's handlers of the server's questions. */
  answer: InputAnswerer;
  /** Aborts when the client closes. */
  closing: AbortSignal;
}

/** Poll failures of the transport in a row that following a task rides out; the next one ends it. */
const MAX_POLL_FAULTS = 3;
/** The poll interval when the server suggests none (or one that is not a number). */
const DEFAULT_POLL_MS = 1_000;
/** The poll interval's bounds: a server cannot make the client spin, nor wait for hours. */
const MIN_POLL_MS = 50;
const MAX_POLL_MS = 60_000;

/** The poll interval to use for a task: the server's, clamped, or the default. */
export function pollDelay(suggested: unknown): number {
  if (typeof suggested !== 'number' || !Number.isFinite(suggested)) return DEFAULT_POLL_MS;
  return Math.min(MAX_POLL_MS, Math.max(MIN_POLL_MS, suggested));
}

/** Whether a task's status is one it never leaves. */
export function isTerminalStatus(status: string): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}

/**
 * Follows a task to its end: polls `tasks/get` at the task's `pollIntervalMs`, answers its input
 * requests with the client's handlers (`tasks/update`), and cancels it (`tasks/cancel`) when the
 * signal aborts, the deadline passes or the client closes.
 */
export async function followTask(
  first: TaskSnapshot,
  options: FollowOptions,
  deps: FollowDeps,
): Promise<TaskEnd> {
  let task = first;
  let lastMessage: string | undefined;
  let faults = 0;
  const guard = followSignal([options.signal, deps.closing], options.deadline);
  const { signal } = guard;
  const request = { signal, deadline: Infinity };
  const report = () => {
    if (task.statusMessage !== undefined && task.statusMessage !== lastMessage) {
      lastMessage = task.statusMessage;
      options.onStatus?.(lastMessage);
    }
  };
  try {
    for (;;) {
      report();
      if (task.status === 'completed') {
        if (task.result) return { status: 'completed', result: task.result };
        throw new ProtocolError(
          -32603,
          `The server reported task ${task.taskId} completed without a result.`,
        );
      }
      if (task.status === 'failed') {
        if (task.error) return { status: 'failed', error: task.error };
        throw new ProtocolError(-32603, `The server reported task ${task.taskId} failed without an error.`);
      }
      if (task.status === 'cancelled') return { status: 'cancelled' };
      if (task.status === 'input_required' && task.inputRequests) {
        const inputResponses: Record<string, unknown> = {};
        for (const [key, asked] of Object.entries(task.inputRequests)) {
          inputResponses[key] = await raceAbort(deps.answer(asked.method, asked.params, signal), signal);
        }
        await deps.request('tasks/update', { taskId: task.taskId, inputResponses }, request);
        // Answered: a blip before the next snapshot must not ask the handlers again.
        task = { ...task, status: 'working', inputRequests: undefined };
      } else {
        await sleep(pollDelay(task.pollIntervalMs), signal);
      }
      try {
        task = await deps.get(task.taskId, request);
        faults = 0;
      } catch (error) {
        // A blip of the network while polling does not end the task; a server's answer does.
        if (
          signal.aborted ||
          !(error instanceof RemoteError) ||
          error.code !== 'UPSTREAM_UNAVAILABLE' ||
          ++faults > MAX_POLL_FAULTS
        )
          throw signal.aborted ? signal.reason : error;
      }
    }
  } catch (error) {
    // The caller gave up (or its deadline passed, the client closed, an answer failed): the task must not run on.
    if (!isTerminalStatus(task.status)) await deps.cancel(task.taskId).catch(() => undefined);
    throw error;
  } finally {
    guard.dispose();
  }
}

/** A client call the server answered with a task, as {@link answerFollowedCall} follows it. */
export interface FollowedCall {
  /** The SDK's request id: the answer goes to it. */
  id: string | number;
  task: TaskSnapshot;
  deadline: number;
  /** Whether the call came from this client's `callTool` (which times out on its own at `deadline`). */
  marked: boolean;
  /** Aborts when the caller or the SDK gives up on the call. */
  signal: AbortSignal;
  /** The call's progress token: each status message becomes a progress notification. */
  progressToken: unknown;
  modern: boolean;
  /** Aborts when the client closes. */
  closing: AbortSignal;
  follow: (first: TaskSnapshot, options: FollowOptions) => Promise<TaskEnd>;
  /** Hands a message to the SDK as if the server had sent it. */
  deliver: (message: Record<string, unknown>) => void;
}

/** Follows the task a client call became and hands its end to the SDK as the call's answer. */
export async function answerFollowedCall(call: FollowedCall): Promise<void> {
  const { id, task, deadline, signal, progressToken, deliver } = call;
  let progress = 0;
  const onStatus =
    progressToken === undefined
      ? undefined
      : (text: string) =>
          deliver({
            jsonrpc: '2.0',
            method: 'notifications/progress',
            params: { progressToken, progress: ++progress, message: text },
          });
  try {
    const end = await call.follow(task, { signal, deadline, onStatus });
    if (end.status === 'completed') {
      const result = call.modern ? { resultType: 'complete', ...end.result } : end.result;
      deliver({ jsonrpc: '2.0', id, result });
    } else if (end.status === 'failed') {
      deliver({ jsonrpc: '2.0', id, error: end.error });
    } else {
      deliver({ jsonrpc: '2.0', id, error: cancelledError(task.taskId) });
    }
  } catch (error) {
    // The SDK gave up on its own (abort, its timeout, the same as the mark's): nobody waits any more.
    if (signal.aborted && !call.closing.aborted) return;
    if (call.marked && Date.now() >= deadline) return;
    deliver({ jsonrpc: '2.0', id, error: followError(error) });
  }
}
