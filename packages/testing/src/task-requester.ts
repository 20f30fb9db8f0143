import { type Era, McpkitError, TASKS_EXTENSION } from '@mcpkit/core';
import type { TaskEnabledSession } from '@modelcontextprotocol/ext-tasks/client';
import { connectTestClient, type TestClient } from './test-client.js';

// Task-augmented tool calls (SEP-2663) the way each era's official client makes them, over
// Streamable HTTP:
// - modern (2026-07-28): the official Tasks requester (@modelcontextprotocol/ext-tasks) on the SDK
//   client; it polls, answers input requests and cancels by itself, and sends task traffic through
//   `rawDispatch` (one JSON-RPC message per POST with the 2026-07-28 headers), as its README
//   prescribes — the SDK client cannot carry task results;
// - legacy (a 2025-11-25 session): the SDK client declaring the extension at `initialize` and
//   speaking its methods (tools/call → task, tasks/get, tasks/update, tasks/cancel), each answer
//   checked against the extension's published schemas, polling a bounded number of times.

/** Client capabilities that declare the Tasks extension. */
export const TASKS_CAPABILITY = { extensions: { [TASKS_EXTENSION]: {} } } as const;

const MODERN = '2026-07-28';
/**
 * The extension's client and schemas, loaded on first use: the package is ESM only, and a static
 * import would stop `require('@mcpkit/testing')` for every CommonJS user, tasks or not.
 */
async function loadExtension() {
  const [client, core, v2] = await Promise.all([
    import('@modelcontextprotocol/ext-tasks/client'),
    import('@modelcontextprotocol/ext-tasks/core'),
    import('@modelcontextprotocol/ext-tasks/core/v2'),
  ]);
  return {
    createTaskSessionFromClient: client.createTaskSessionFromClient,
    asTaskId: core.taskId,
    DetailedTask: v2.DetailedTaskV2Schema,
    // The SDK client drops `resultType` (a 2026-07-28 field) from legacy-era results.
    LegacyCreateTaskResult: v2.CreateTaskResultV2Schema.omit({ resultType: true }),
    // Any object: a `tools/call` answer that may or may not be a task.
    AnyAnswer: v2.CreateTaskResultV2Schema.partial().loose(),
  };
}
type Extension = Awaited<ReturnType<typeof loadExtension>>;

/** An answer to an elicitation request a task asked while it ran. */
export interface TaskElicitationAnswer {
  action: 'accept' | 'decline' | 'cancel';
  content?: Record<string, string | number | boolean | string[]>;
}

/** Options of {@link connectTaskRequester}. */
export interface TaskRequesterOptions {
  /** Headers of every request (an API key, a bearer token). Default: none. */
  headers?: Record<string, string>;
  /**
   * Client capabilities besides the Tasks extension, which is always declared (and `elicitation`,
   * declared when `elicitation` is given). Default: none.
   */
  capabilities?: Record<string, unknown>;
  /** Client name in `clientInfo` (and the modern requester's endpoint id). Default: `'mcpkit-task-requester'`. */
  clientName?: string;
  /**
   * Answers the elicitation requests a task asks while it runs. Default: none; a task that asks
   * for input then fails its run with `VALIDATION_FAILED`.
   */
  elicitation?: (params: Record<string, unknown>) => TaskElicitationAnswer | Promise<TaskElicitationAnswer>;
  /**
   * Most `tasks/get` polls of one legacy-era task before the run gives up with `UPSTREAM_TIMEOUT`
   * (the modern requester polls by itself). Default: `10_000`.
   */
  maxPolls?: number;
  /** Wait between legacy-era polls when the task names no `pollIntervalMs`. Default: `10` ms. */
  pollIntervalMs?: number;
}

/** Hooks of one {@link TaskRequester.run}: the task id once created, each status message seen. */
export interface TaskRunHooks {
  onTask?: (taskId: string) => void;
  onStatus?: (message: string) => void;
}

/** What one task-augmented call ended as. */
export interface TaskRun {
  /** `completed`, `failed`, `cancelled`, or `immediate` when the server answered without a task. */
  status: string;
  /** The task's id; absent for an `immediate` answer. */
  taskId?: string;
  /** The tool result of a `completed` task, or the `immediate` answer. */
  result?: { isError?: boolean; structuredContent?: Record<string, unknown>; content?: unknown[] };
  /** Every status message seen while the task ran, in order. */
  statusMessages: string[];
}

/** One era's official client, calling tools as tasks. */
export interface TaskRequester {
  readonly era: Era;
  /** Calls `name` (as a task when the server makes it one) and resolves when it ended. */
  run(name: string, args?: Record<string, unknown>, hooks?: TaskRunHooks): Promise<TaskRun>;
  /** Calls `name` as a task; resolves once the task exists, with its id and its end. */
  start(name: string, args?: Record<string, unknown>): Promise<{ taskId: string; settled: Promise<TaskRun> }>;
  /** The task's status message now (`tasks/get`). */
  statusMessage(taskId: string): Promise<string | undefined>;
  /** Cancels the task (`tasks/cancel`). */
  cancel(taskId: string): Promise<void>;
  /** Closes the client. */
  close(): Promise<void>;
}

/** A JSON-RPC message as the modern requester hands it to its raw path. */
export type RawTaskRequest = { id?: number | string; method: string; params: Record<string, unknown> };
/** What the raw path answers: a JSON-RPC result or a JSON-RPC error response. */
export type RawTaskAnswer =
  | { kind: 'result'; result: Record<string, unknown> }
  | { kind: 'error'; error: { error: { code: number; message: string; data?: unknown } } };

/**
 * One JSON-RPC message per POST to `url` with the 2026-07-28 headers (`MCP-Protocol-Version`,
 * `Mcp-Method`, `Mcp-Name`), answered from a JSON body or the message's own event on an SSE
 * stream: the raw path of the official Tasks requester, usable alone to send task traffic by hand.
 */
export function modernTaskDispatch(
  url: string,
  options: { headers?: Record<string, string> } = {},
): (request: RawTaskRequest, call?: { signal?: AbortSignal }) => Promise<RawTaskAnswer> {
  let nextId = 0;
  return async (request, call) => {
    const message = { jsonrpc: '2.0', ...request, id: request.id ?? `raw-${++nextId}` };
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        ...options.headers,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': MODERN,
        'mcp-method': message.method,
        'mcp-name': String(message.params.name ?? message.params.taskId),
      },
      body: JSON.stringify(message),
      ...(call?.signal ? { signal: call.signal } : {}),
    });
    const text = await response.text();
    // The last event of the SSE stream that answers this message's id.
    const body = response.headers.get('content-type')?.includes('text/event-stream')
      ? text
          .split('\n')
          .filter((line) => line.startsWith('data:'))
          .map((line) => JSON.parse(line.slice(5)))
          .reverse()
          .find((event) => event.id === message.id)
      : JSON.parse(text);
    if (body === undefined || body === null || typeof body !== 'object') {
      throw new McpkitError(
        'UPSTREAM_ERROR',
        `No JSON-RPC answer to ${message.method} (HTTP ${response.status}).`,
        {
          hint: 'Is the URL an MCP endpoint that serves the 2026-07-28 era?',
        },
      );
    }
    return body.error ? { kind: 'error', error: body } : { kind: 'result', result: body.result };
  };
}

/** The Tasks extension, `elicitation` when there is a handler for it, and the caller's own. */
function capabilitiesOf(options: TaskRequesterOptions): Record<string, unknown> {
  return {
    ...(options.elicitation ? { elicitation: {} } : {}),
    ...options.capabilities,
    ...TASKS_CAPABILITY,
  };
}

function noInput(): never {
  throw new McpkitError('VALIDATION_FAILED', 'The task asked for input, and the requester has no answer.', {
    hint: 'Pass `elicitation` to connectTaskRequester() to answer what the task asks.',
  });
}

async function modernRequester(
  url: string,
  options: TaskRequesterOptions,
  { createTaskSessionFromClient, asTaskId }: Extension,
): Promise<TaskRequester> {
  const name = options.clientName ?? 'mcpkit-task-requester';
  const capabilities = capabilitiesOf(options);
  const client: TestClient = await connectTestClient(url, {
    era: 'modern',
    capabilities,
    clientName: name,
    ...(options.headers ? { headers: options.headers } : {}),
  });
  const { elicitation } = options;
  const session: TaskEnabledSession = createTaskSessionFromClient(client.client, {
    endpointId: name,
    rawDispatch: modernTaskDispatch(url, options) as never,
    v2RequestFraming: {
      protocolVersion: MODERN,
      clientInfo: { name, version: '1.0.0' },
      clientCapabilities: capabilities as never,
    },
    onInputRequest: async (request) => {
      if (request.kind !== 'elicitation' || !elicitation) return noInput();
      return (await elicitation(request.params as Record<string, unknown>)) as never;
    },
  });
  type Execution = Awaited<ReturnType<TaskEnabledSession['callTool']>>;
  const executions = new Map<string, Execution>();
  const follow = async (execution: Execution, hooks: TaskRunHooks): Promise<TaskRun> => {
    const statusMessages: string[] = [];
    if (execution.kind !== 'task') {
      const { outcome } = await execution.settle();
      return {
        status: 'immediate',
        result: (outcome as { result?: TaskRun['result'] }).result,
        statusMessages,
      };
    }
    const taskId = execution.handle.taskId;
    executions.set(taskId, execution);
    hooks.onTask?.(taskId);
    try {
      const { outcome } = await execution.settle({
        onEvent: (event) => {
          if (event.type !== 'task' || !event.task.statusMessage) return;
          statusMessages.push(event.task.statusMessage);
          hooks.onStatus?.(event.task.statusMessage);
        },
      });
      return {
        status: outcome.status,
        taskId,
        statusMessages,
        ...(outcome.status === 'completed' ? { result: outcome.result as TaskRun['result'] } : {}),
      };
    } finally {
      executions.delete(taskId);
    }
  };
  return {
    era: 'modern',
    async run(tool, args = {}, hooks = {}) {
      return follow(await session.callTool(tool, args as never), hooks);
    },
    async start(tool, args = {}) {
      const execution = await session.callTool(tool, args as never);
      if (execution.kind !== 'task') throw notATask(tool);
      const taskId = execution.handle.taskId;
      return { taskId, settled: follow(execution, {}) };
    },
    async statusMessage(taskId) {
      return (await session.task(asTaskId(taskId)).snapshot()).statusMessage;
    },
    async cancel(taskId) {
      const execution = executions.get(taskId);
      if (execution) await execution.cancel();
      else await session.task(asTaskId(taskId)).cancel();
    },
    async close() {
      await session.close();
      await client.close();
    },
  };
}

function notATask(tool: string): McpkitError {
  return new McpkitError('VALIDATION_FAILED', `The call of ${tool} did not become a task.`, {
    hint: "Give the tool `taskSupport: 'required'` (or 'optional'), and declare the Tasks extension.",
  });
}

async function legacyRequester(
  url: string,
  options: TaskRequesterOptions,
  { DetailedTask, LegacyCreateTaskResult, AnyAnswer }: Extension,
): Promise<TaskRequester> {
  const client: TestClient = await connectTestClient(url, {
    era: 'legacy',
    capabilities: capabilitiesOf(options),
    clientName: options.clientName ?? 'mcpkit-task-requester',
    ...(options.headers ? { headers: options.headers } : {}),
  });
  const maxPolls = options.maxPolls ?? 10_000;
  const send = (method: string, params: Record<string, unknown>) =>
    client.client.request({ method, params } as never, AnyAnswer) as Promise<Record<string, unknown>>;
  const follow = async (taskId: string, hooks: TaskRunHooks): Promise<TaskRun> => {
    const statusMessages: string[] = [];
    // Bounded: a task that never ends fails its run instead of hanging the test.
    for (let poll = 0; poll < maxPolls; poll++) {
      const task = DetailedTask.parse(await send('tasks/get', { taskId }));
      if (task.statusMessage && task.statusMessage !== statusMessages.at(-1)) {
        statusMessages.push(task.statusMessage);
        hooks.onStatus?.(task.statusMessage);
      }
      if (task.status === 'completed')
        return { status: task.status, taskId, statusMessages, result: task.result as TaskRun['result'] };
      if (task.status === 'failed' || task.status === 'cancelled')
        return { status: task.status, taskId, statusMessages };
      if (task.status === 'input_required') {
        const inputResponses: Record<string, unknown> = {};
        for (const [key, request] of Object.entries(task.inputRequests)) {
          if (request.method !== 'elicitation/create' || !options.elicitation) noInput();
          inputResponses[key] = await options.elicitation(request.params as Record<string, unknown>);
        }
        await send('tasks/update', { taskId, inputResponses });
        continue;
      }
      await new Promise((resolve) =>
        setTimeout(resolve, task.pollIntervalMs ?? options.pollIntervalMs ?? 10),
      );
    }
    throw new McpkitError('UPSTREAM_TIMEOUT', `Task ${taskId} did not end within ${maxPolls} polls.`, {
      hint: 'Check that the tool ends (or raise `maxPolls`).',
    });
  };
  const call = async (tool: string, args: Record<string, unknown>) =>
    send('tools/call', { name: tool, arguments: args });
  return {
    era: 'legacy',
    async run(tool, args = {}, hooks = {}) {
      const answer = await call(tool, args);
      if (!('taskId' in answer)) return { status: 'immediate', result: answer, statusMessages: [] };
      const created = LegacyCreateTaskResult.parse(answer);
      hooks.onTask?.(created.taskId);
      return follow(created.taskId, hooks);
    },
    async start(tool, args = {}) {
      const answer = await call(tool, args);
      if (!('taskId' in answer)) throw notATask(tool);
      const created = LegacyCreateTaskResult.parse(answer);
      return { taskId: created.taskId, settled: follow(created.taskId, {}) };
    },
    async statusMessage(taskId) {
      return DetailedTask.parse(await send('tasks/get', { taskId })).statusMessage;
    },
    async cancel(taskId) {
      await send('tasks/cancel', { taskId });
    },
    close: () => client.close(),
  };
}

/**
 * Connects `era`'s official client to the Streamable HTTP endpoint at `url`, declaring the Tasks
 * extension, ready to call tools as tasks: modern through the official Tasks requester, legacy in a
 * 2025-11-25 session speaking the extension's methods, with a bounded poll.
 */
export async function connectTaskRequester(
  era: Era,
  url: string,
  options: TaskRequesterOptions = {},
): Promise<TaskRequester> {
  const extension = await loadExtension();
  return era === 'modern'
    ? modernRequester(url, options, extension)
    : legacyRequester(url, options, extension);
}
