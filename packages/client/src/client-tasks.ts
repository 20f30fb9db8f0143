import { McpkitError } from '@mcpkit/core';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { codedToolError, RemoteError } from './remote-error.js';
import type { TaskChannel } from './task-channel.js';
import { rpcErrorOf } from './task-errors.js';
import { readTask, type TaskEnd, type TaskInfo, type TaskSnapshot } from './task-wire.js';

/** Per-request options of `client.tasks`. */
export interface TaskRequestOptions {
  signal?: AbortSignal;
  /** Deadline of this request (for `result`, of following the task to its end). Default: the client's `timeoutMs`. */
  timeoutMs?: number;
}

/** Options of `client.tasks.result`. */
export interface TaskResultOptions extends TaskRequestOptions {
  /** Receives each new status message of the task (`statusMessage`, set by the handler's progress). */
  onStatus?: (message: string) => void;
}

/**
 * What `client.tasks.start` resolves to: the task the call became, or, when the server answered
 * the call at once (a tool that is not a task, or a handler that finished before detaching), its result.
 */
export type StartedTask =
  | { task: TaskInfo; result?: undefined }
  | { task?: undefined; result: CallToolResult };

/**
 * `client.tasks`: the Tasks extension (SEP-2663) by hand, for callers that want the task id (to
 * keep it, show it, resume later). Plain `client.tools.x()` calls follow tasks by themselves.
 */
export interface ClientTasks {
  /**
   * Calls a tool as a task (declaring the extension) and resolves as soon as the server created it.
   * It goes through the client's call policy like `callTool` (deadline, retries of retryable failures
   * of idempotent tools, breaker), and an immediate coded tool error rejects with its `RemoteError`.
   */
  start(name: string, args?: Record<string, unknown>, options?: TaskRequestOptions): Promise<StartedTask>;
  /** Reads a task (`tasks/get`): its status, its questions, its result or error. */
  get(taskId: string, options?: TaskRequestOptions): Promise<TaskSnapshot>;
  /**
   * Follows a task to its end (polling at its `pollIntervalMs`, answering its questions with the
   * client's handlers) and resolves to the `tools/call` result. A coded tool error rejects with a
   * `RemoteError`, a failed task with the server's coded `RemoteError` when its error carries one
   * (else a `ProtocolError`), a task cancelled elsewhere with a
   * `RemoteError` coded `CONFLICT`. Aborting the signal cancels the task.
   */
  result(taskId: string, options?: TaskResultOptions): Promise<CallToolResult>;
  /** Cancels a task (`tasks/cancel`); a task that already ended is left as it is. */
  cancel(taskId: string, options?: TaskRequestOptions): Promise<void>;
}

/** Ends a followed task the way `callTool` ends: the result, or the error it stands for. */
export function endOf(end: TaskEnd, taskId: string): CallToolResult {
  if (end.status === 'completed') {
    const failure = codedToolError(end.result);
    if (failure) throw failure;
    return end.result;
  }
  if (end.status === 'failed') {
    // The server's coded error when it sent one (code, retry verdict, requestId), else the JSON-RPC error.
    throw rpcErrorOf(end.error);
  }
  throw new RemoteError('CONFLICT', `The task ${taskId} was cancelled.`, { retryable: false });
}

/** Runs one attempt of a tool call under the client's call policy (the one `callTool` uses). */
export type ToolCallRunner = <T>(
  name: string,
  options: TaskRequestOptions | undefined,
  attempt: (signal: AbortSignal | undefined, timeoutMs: number) => Promise<T>,
) => Promise<T>;

/** How `client.tasks` is built. */
export interface ClientTasksOptions {
  /** The extension on the transport; undefined when the client does not follow tasks. */
  channel: TaskChannel | undefined;
  /** Why there is no channel: the client's `tasks: false`, or a server that does not advertise the extension. */
  unavailable?: 'disabled' | 'unadvertised';
  defaultTimeoutMs: number;
  /** Runs `start`'s attempts under the call policy. */
  run: ToolCallRunner;
}

function unavailableError(why: ClientTasksOptions['unavailable']): McpkitError {
  if (why === 'disabled') {
    return new McpkitError(
      'VALIDATION_FAILED',
      'client.tasks is off: this client was created with `tasks: false`.',
      {
        retryable: false,
        hint: 'Call createClient without `tasks: false` to use client.tasks (the server must also advertise the Tasks extension).',
      },
    );
  }
  return new McpkitError(
    'VALIDATION_FAILED',
    'This server does not advertise the Tasks extension (io.modelcontextprotocol/tasks), so client.tasks cannot be used with it.',
    {
      retryable: false,
      hint: 'Call the tool with callTool() or client.tools instead; the server advertises the extension when one of its tools may run as a task.',
    },
  );
}

/** Builds `client.tasks` over a channel (undefined when the client does not follow tasks). */
export function createClientTasks(options: ClientTasksOptions): ClientTasks {
  const { channel, defaultTimeoutMs, run } = options;
  const need = (): TaskChannel => {
    if (channel) return channel;
    throw unavailableError(options.unavailable);
  };
  const deadlineOf = (request: TaskRequestOptions | undefined) =>
    Date.now() + (request?.timeoutMs ?? defaultTimeoutMs);
  return {
    async start(name, args = {}, request) {
      const tasks = need();
      return run(name, request, async (signal, timeoutMs): Promise<StartedTask> => {
        const raw = await tasks.request(
          'tools/call',
          { name, arguments: args },
          { signal, deadline: Date.now() + timeoutMs },
        );
        const task = raw.resultType === 'task' ? readTask(raw) : undefined;
        if (task) return { task };
        const { resultType: _resultType, ...rest } = raw;
        const result = rest as CallToolResult;
        // Answered at once with a coded failure: thrown inside the attempt, so a retryable one is retried.
        const failure = codedToolError(result, name);
        if (failure) throw failure;
        return { result };
      });
    },
    get: async (taskId, options) =>
      need().get(taskId, { signal: options?.signal, deadline: deadlineOf(options) }),
    async result(taskId, options) {
      const tasks = need();
      const request = { signal: options?.signal, deadline: deadlineOf(options) };
      const first = await tasks.get(taskId, request);
      const end = await tasks.follow(first, { ...request, onStatus: options?.onStatus });
      return endOf(end, taskId);
    },
    async cancel(taskId, options) {
      await need().cancel(taskId, options?.signal);
    },
  };
}
