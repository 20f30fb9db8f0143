import { type Era, TASKS_EXTENSION } from '@mcpkit/core';
import { connectTestClient, type TestClient } from '@mcpkit/testing';
import { createTaskSessionFromClient, type TaskEnabledSession } from '@modelcontextprotocol/ext-tasks/client';
import { CreateTaskResultV2Schema, DetailedTaskV2Schema } from '@modelcontextprotocol/ext-tasks/core/v2';
import * as z from 'zod';

// Task-augmented tool calls through each era's official client, over Streamable HTTP:
// - modern (2026-07-28): the official Tasks requester (@modelcontextprotocol/ext-tasks) on the SDK
//   v2 client; it polls and cancels by itself, and sends task traffic through `rawDispatch` (one
//   JSON-RPC message per POST with the 2026-07-28 headers), as its README prescribes;
// - legacy (a 2025-11-25 session): the SDK v2 client declaring the extension at `initialize` and
//   speaking its methods (tools/call → task, tasks/get, tasks/cancel), each answer checked against
//   the extension's published schemas.

/** The client capabilities that ask for tasks. */
export const TASKS_DECLARED = { extensions: { [TASKS_EXTENSION]: {} } };
const ANY = z.looseObject({});
const MODERN = '2026-07-28';

/** What one task-augmented call ended as. */
export interface TaskRun {
  /** `completed`, `failed`, `cancelled`, or `immediate` when the call answered without a task. */
  status: string;
  taskId?: string;
  result?: Record<string, unknown>;
}

/** Hooks of one call: the task id once created, each status message as the client sees it. */
export interface TaskRunHooks {
  onTask?: (taskId: string) => void;
  onStatus?: (message: string) => void;
}

/** One era's official client, calling tools as tasks. */
export interface TaskRequester {
  run(name: string, args: Record<string, unknown>, hooks?: TaskRunHooks): Promise<TaskRun>;
  cancel(taskId: string): Promise<void>;
  close(): Promise<void>;
}

/** The `_meta` envelope of a 2026-07-28 request from a client that declares the Tasks extension. */
export const MODERN_TASK_META = {
  'io.modelcontextprotocol/protocolVersion': MODERN,
  'io.modelcontextprotocol/clientInfo': { name: 'payments-test', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': TASKS_DECLARED,
};

/** The requester's raw path: one JSON-RPC message over Streamable HTTP, 2026-07-28 framing, the caller's key. */
export function rawDispatcher(url: string, key: string) {
  let nextId = 0;
  return async (request: unknown, options?: { signal?: AbortSignal }) => {
    const framed = request as { id?: number; method: string; params: Record<string, unknown> };
    const message = { jsonrpc: '2.0', ...framed, id: framed.id ?? `raw-${++nextId}` };
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': MODERN,
        'mcp-method': message.method,
        'mcp-name': String(message.params.name ?? message.params.taskId),
        'x-api-key': key,
      },
      body: JSON.stringify(message),
      ...(options?.signal ? { signal: options.signal } : {}),
    });
    const text = await response.text();
    // A JSON answer, or the JSON-RPC response on an SSE stream.
    const body = response.headers.get('content-type')?.includes('text/event-stream')
      ? text
          .split('\n')
          .filter((line) => line.startsWith('data:'))
          .map((line) => JSON.parse(line.slice(5)))
          .find((event) => event.id === message.id)
      : JSON.parse(text);
    return body.error
      ? { kind: 'error' as const, error: body }
      : { kind: 'result' as const, result: body.result };
  };
}

async function modernRequester(url: string, key: string): Promise<TaskRequester> {
  const client: TestClient = await connectTestClient(url, {
    era: 'modern',
    capabilities: TASKS_DECLARED,
    headers: { 'x-api-key': key },
  });
  const session: TaskEnabledSession = createTaskSessionFromClient(client.client, {
    endpointId: 'payments-test',
    rawDispatch: rawDispatcher(url, key) as never,
    v2RequestFraming: {
      protocolVersion: MODERN,
      clientInfo: { name: 'payments-test', version: '1.0.0' },
      clientCapabilities: TASKS_DECLARED,
    },
    onInputRequest: async () => {
      throw new Error('the payment task asked for input');
    },
  });
  const executions = new Map<string, Awaited<ReturnType<TaskEnabledSession['callTool']>>>();
  return {
    async run(name, args, hooks = {}) {
      const execution = await session.callTool(name, args as never);
      if (execution.kind !== 'task') {
        const { outcome } = await execution.settle();
        return { status: 'immediate', result: (outcome as { result?: Record<string, unknown> }).result };
      }
      const taskId = execution.handle.taskId;
      executions.set(taskId, execution);
      hooks.onTask?.(taskId);
      const { outcome } = await execution.settle({
        onEvent: (event) => {
          if (event.type === 'task' && event.task.statusMessage) hooks.onStatus?.(event.task.statusMessage);
        },
      });
      return {
        status: outcome.status,
        taskId,
        ...(outcome.status === 'completed' ? { result: outcome.result as Record<string, unknown> } : {}),
      };
    },
    async cancel(taskId) {
      await executions.get(taskId)?.cancel();
    },
    async close() {
      await session.close();
      await client.close();
    },
  };
}

// The SDK client drops `resultType` (a 2026-07-28 field) from legacy-era results.
const LegacyCreateTaskResult = CreateTaskResultV2Schema.omit({ resultType: true });

async function legacyRequester(url: string, key: string): Promise<TaskRequester> {
  const client: TestClient = await connectTestClient(url, {
    era: 'legacy',
    capabilities: TASKS_DECLARED,
    headers: { 'x-api-key': key },
  });
  const send = (method: string, params: Record<string, unknown>) =>
    client.client.request({ method, params } as never, ANY) as Promise<Record<string, unknown>>;
  return {
    async run(name, args, hooks = {}) {
      const answer = await send('tools/call', { name, arguments: args });
      if (!('taskId' in answer)) return { status: 'immediate', result: answer };
      const created = LegacyCreateTaskResult.parse(answer);
      hooks.onTask?.(created.taskId);
      // Bounded: a task that never ends fails the test instead of hanging it.
      for (let round = 0; round < 10_000; round++) {
        const task = DetailedTaskV2Schema.parse(await send('tasks/get', { taskId: created.taskId }));
        if (task.statusMessage) hooks.onStatus?.(task.statusMessage);
        if (task.status === 'completed')
          return { status: task.status, taskId: task.taskId, result: task.result };
        if (task.status === 'failed' || task.status === 'cancelled')
          return { status: task.status, taskId: task.taskId };
        await new Promise((resolve) => setTimeout(resolve, task.pollIntervalMs ?? 10));
      }
      throw new Error(`task ${created.taskId} did not end`);
    },
    async cancel(taskId) {
      await send('tasks/cancel', { taskId });
    },
    close: () => client.close(),
  };
}

/** Connects `era`'s official client to `url` as the caller holding `key`, ready to call tools as tasks. */
export function connectTaskRequester(era: Era, url: string, key: string): Promise<TaskRequester> {
  return era === 'modern' ? modernRequester(url, key) : legacyRequester(url, key);
}
