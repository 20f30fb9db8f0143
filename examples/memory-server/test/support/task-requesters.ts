import { type Era, TASKS_EXTENSION } from '@mcpkit/core';
import { connectTestClient, type TestClient } from '@mcpkit/testing';
import { createTaskSessionFromClient, type TaskEnabledSession } from '@modelcontextprotocol/ext-tasks/client';
import { taskId as asTaskId } from '@modelcontextprotocol/ext-tasks/core';
import { CreateTaskResultV2Schema, DetailedTaskV2Schema } from '@modelcontextprotocol/ext-tasks/core/v2';
import * as z from 'zod';

// How the official clients drive a tool call as a task (SEP-2663), in each era, over HTTP:
// - modern (2026-07-28): the official Tasks requester (@modelcontextprotocol/ext-tasks) on the SDK
//   client, sending task traffic through `rawDispatch` (the SDK client cannot carry task results);
// - legacy (2025-11-25 session): the SDK client declaring the extension at `initialize` and
//   speaking the extension's methods with `request()`, every answer checked against its schemas.

/** Client capabilities that declare the Tasks extension. */
export const TASKS_DECLARED = { extensions: { [TASKS_EXTENSION]: {} } };
const ANY = z.looseObject({});
const LegacyCreateTaskResult = CreateTaskResultV2Schema.omit({ resultType: true });

/** How a task ended, with every status message seen while it ran. */
export interface TaskRun {
  status: string;
  result?: { isError?: boolean; structuredContent?: Record<string, unknown> };
  statusMessages: string[];
}

/** One era's official client, calling tools as tasks. */
export interface TaskRequester {
  /** Calls `name` as a task; resolves once the task exists, with its id and its end. */
  start(name: string, args: Record<string, unknown>): Promise<{ taskId: string; settled: Promise<TaskRun> }>;
  /** The task's status message now (`tasks/get`). */
  statusMessage(taskId: string): Promise<string | undefined>;
  cancel(taskId: string): Promise<void>;
  close(): Promise<void>;
}

/** One JSON-RPC message over Streamable HTTP with the 2026-07-28 headers; the answer as the requester wants it. */
function rawDispatcher(url: string, headers: Record<string, string>) {
  let nextId = 0;
  return async (request: unknown, options?: { signal?: AbortSignal }) => {
    const framed = request as { id?: number; method: string; params: Record<string, unknown> };
    const message = { jsonrpc: '2.0', ...framed, id: framed.id ?? ++nextId };
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        ...headers,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': message.method,
        'mcp-name': String(message.params.name ?? message.params.taskId),
      },
      body: JSON.stringify(message),
      ...(options?.signal ? { signal: options.signal } : {}),
    });
    const text = await response.text();
    const body = response.headers.get('content-type')?.includes('text/event-stream')
      ? text
          .split('\n')
          .filter((line) => line.startsWith('data:'))
          .map((line) => JSON.parse(line.slice(5)))
          .reverse()
          .find((event) => event.id === message.id)
      : JSON.parse(text);
    return body.error
      ? { kind: 'error' as const, error: body }
      : { kind: 'result' as const, result: body.result };
  };
}

async function modernRequester(url: string, headers: Record<string, string>): Promise<TaskRequester> {
  const client: TestClient = await connectTestClient(url, {
    era: 'modern',
    capabilities: TASKS_DECLARED,
    headers,
  });
  const session: TaskEnabledSession = createTaskSessionFromClient(client.client, {
    endpointId: 'memory-test',
    rawDispatch: rawDispatcher(url, headers) as never,
    v2RequestFraming: {
      protocolVersion: '2026-07-28',
      clientInfo: { name: 'memory-test', version: '1.0.0' },
      clientCapabilities: TASKS_DECLARED,
    },
  });
  const executions = new Map<string, Awaited<ReturnType<TaskEnabledSession['callTool']>>>();
  return {
    async start(name, args) {
      const execution = await session.callTool(name, args as never, { task: { preference: 'require' } });
      if (execution.kind !== 'task') throw new Error('the call did not become a task');
      const taskId = execution.handle.taskId;
      executions.set(taskId, execution);
      const statusMessages: string[] = [];
      const settled = execution
        .settle({
          onEvent: (event) => {
            if (event.type === 'task' && event.task.statusMessage)
              statusMessages.push(event.task.statusMessage);
          },
        })
        .then(({ outcome }) => ({
          status: outcome.status,
          statusMessages,
          ...(outcome.status === 'completed' ? { result: outcome.result as TaskRun['result'] } : {}),
        }));
      return { taskId, settled };
    },
    async statusMessage(taskId) {
      return (await session.task(asTaskId(taskId)).snapshot()).statusMessage;
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

async function legacyRequester(url: string, headers: Record<string, string>): Promise<TaskRequester> {
  const client = await connectTestClient(url, { era: 'legacy', capabilities: TASKS_DECLARED, headers });
  const send = (method: string, params: Record<string, unknown>) =>
    client.client.request({ method, params } as never, ANY) as Promise<Record<string, unknown>>;
  return {
    async start(name, args) {
      const created = LegacyCreateTaskResult.parse(await send('tools/call', { name, arguments: args }));
      const statusMessages: string[] = [];
      const settled = (async (): Promise<TaskRun> => {
        for (;;) {
          const task = DetailedTaskV2Schema.parse(await send('tasks/get', { taskId: created.taskId }));
          if (task.statusMessage) statusMessages.push(task.statusMessage);
          if (task.status === 'completed') {
            return { status: task.status, statusMessages, result: task.result as TaskRun['result'] };
          }
          if (task.status === 'failed' || task.status === 'cancelled')
            return { status: task.status, statusMessages };
          await new Promise((resolve) => setTimeout(resolve, task.pollIntervalMs ?? 20));
        }
      })();
      return { taskId: created.taskId, settled };
    },
    async statusMessage(taskId) {
      return DetailedTaskV2Schema.parse(await send('tasks/get', { taskId })).statusMessage;
    },
    async cancel(taskId) {
      await send('tasks/cancel', { taskId });
    },
    close: () => client.close(),
  };
}

/** The official client of `era`, declaring the Tasks extension, against the server at `url`. */
export function taskRequester(
  era: Era,
  url: string,
  headers: Record<string, string>,
): Promise<TaskRequester> {
  return era === 'modern' ? modernRequester(url, headers) : legacyRequester(url, headers);
}
