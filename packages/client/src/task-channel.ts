import { McpkitError, ProtocolError } from '@mcpkit/core';
import type { JSONRPCMessage, Transport } from '@modelcontextprotocol/client';
import { RemoteError } from './remote-error.js';
import { readTask, type TaskEnd, type TaskSnapshot, wantsTasks, withTasksDeclared } from './task-wire.js';

/** The private `_meta` key a client call carries to the channel; removed before the message leaves. */
export const CALL_MARK = 'dev.mcpkit/call';

/** What a tool call tells the channel, should its answer be a task. */
export interface CallMark {
  /** Declare the Tasks extension on this call (modern era; the legacy era declared it at `initialize`). */
  task: boolean;
  /** The caller's cancellation: the task is cancelled with `tasks/cancel`. */
  signal?: AbortSignal | undefined;
  /** When the call's deadline passes (epoch ms): the task is cancelled. */
  deadline: number;
}

/** Answers one of the server's input requests (`elicitation/create`, `sampling/createMessage`, `roots/list`). */
export type InputAnswerer = (method: string, params: Record<string, unknown> | undefined) => Promise<unknown>;

/** How {@link TaskChannel.follow} follows a task. */
export interface FollowOptions {
  signal?: AbortSignal | undefined;
  deadline: number;
  /** Called with each new status message of the task. */
  onStatus?: ((message: string) => void) | undefined;
}

interface Pending {
  resolve: (result: Record<string, unknown>) => void;
  reject: (error: unknown) => void;
}

interface TrackedCall {
  mark: CallMark | undefined;
  request: Record<string, unknown> & { id: string | number; params: Record<string, unknown> };
  name: string;
  asTask: boolean;
}

/** Poll failures of the transport in a row before following a task gives up. */
const MAX_POLL_FAULTS = 3;
/** The poll interval when the server suggests none. */
const DEFAULT_POLL_MS = 1_000;

type Message = Record<string, unknown>;

/**
 * The Tasks extension on an official-SDK transport. It sits between the SDK client and its
 * transport: a `tools/call` answered with a task is followed here (polled at the server's
 * interval, its questions answered with the client's handlers, cancelled on abort) and the SDK
 * receives the task's final result as the call's answer, so everything above (output validation,
 * progress, errors, retries) works unchanged. It also sends the extension's own requests.
 */
export class TaskChannel {
  readonly #send: (message: Message) => Promise<void>;
  readonly #deliver: (message: Message) => void;
  readonly #modern: boolean;
  readonly #envelope: () => Record<string, unknown>;
  readonly #answer: InputAnswerer;
  readonly #pending = new Map<string, Pending>();
  readonly #calls = new Map<string | number, TrackedCall>();
  readonly #marks = new Map<number, CallMark>();
  /** Tools the server refused without the extension: later calls declare it at once. */
  readonly #taskTools = new Set<string>();
  #nextId = 0;
  #nextMark = 0;

  constructor(
    transport: Transport,
    options: { modern: boolean; envelope: () => Record<string, unknown>; answer: InputAnswerer },
  ) {
    this.#modern = options.modern;
    this.#envelope = options.envelope;
    this.#answer = options.answer;
    const sdkOnMessage = transport.onmessage;
    const send = transport.send.bind(transport);
    this.#send = (message) => send(message as JSONRPCMessage);
    this.#deliver = (message) => sdkOnMessage?.call(transport, message as JSONRPCMessage);
    transport.onmessage = (message, extra) => {
      if (!this.#incoming(message as Message)) sdkOnMessage?.call(transport, message, extra);
    };
    transport.send = (message, sendOptions) =>
      send(this.#outgoing(message as Message) as JSONRPCMessage, sendOptions);
  }

  /** Registers a call's mark; its key goes into the request's `_meta[CALL_MARK]`. */
  mark(mark: CallMark): number {
    const key = ++this.#nextMark;
    this.#marks.set(key, mark);
    return key;
  }

  /** Forgets a call's mark once the call settled. */
  release(key: number): void {
    this.#marks.delete(key);
  }

  /** Sends one request of the extension (or a task-augmented `tools/call`) and resolves to its raw result. */
  request(
    method: string,
    params: Record<string, unknown>,
    options: { signal?: AbortSignal | undefined; deadline: number },
  ): Promise<Record<string, unknown>> {
    const id = `mcpkit-task-${++this.#nextId}`;
    const framed = this.#modern
      ? { ...params, _meta: { ...(params._meta as object | undefined), ...this.#envelope() } }
      : params;
    return new Promise((resolve, reject) => {
      const { signal } = options;
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.#pending.delete(id);
      };
      const onAbort = () => {
        done();
        reject(signal?.reason);
      };
      const timer = setTimeout(
        () => {
          done();
          reject(
            new RemoteError('UPSTREAM_TIMEOUT', `The server did not answer ${method} in time.`, {
              retryable: true,
              hint: 'Raise `timeoutMs` if the task is expected to take longer.',
            }),
          );
        },
        Math.max(1, options.deadline - Date.now()),
      );
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#pending.set(id, {
        resolve: (result) => {
          done();
          resolve(result);
        },
        reject: (error) => {
          done();
          reject(error);
        },
      });
      this.#send({ jsonrpc: '2.0', id, method, params: framed }).catch((error: unknown) => {
        done();
        reject(
          new RemoteError('UPSTREAM_UNAVAILABLE', `Sending ${method} failed.`, {
            retryable: true,
            cause: error,
          }),
        );
      });
    });
  }

  /** Reads a task (`tasks/get`). */
  async get(
    taskId: string,
    options: { signal?: AbortSignal | undefined; deadline: number },
  ): Promise<TaskSnapshot> {
    const task = readTask(await this.request('tasks/get', { taskId }, options));
    if (!task)
      throw new ProtocolError(-32603, 'The server answered tasks/get with something that is not a task.');
    return task;
  }

  /**
   * Follows a task to its end: polls `tasks/get` at the task's `pollIntervalMs`, answers its input
   * requests with the client's handlers (`tasks/update`), and cancels it (`tasks/cancel`) when the
   * signal aborts or the deadline passes.
   */
  async follow(first: TaskSnapshot, options: FollowOptions): Promise<TaskEnd> {
    let task = first;
    let lastMessage = task.statusMessage;
    let faults = 0;
    const { signal, deadline } = options;
    const request = { signal, deadline };
    try {
      for (;;) {
        if (task.status === 'completed' && task.result) return { status: 'completed', result: task.result };
        if (task.status === 'failed' && task.error) return { status: 'failed', error: task.error };
        if (task.status === 'cancelled') return { status: 'cancelled' };
        if (task.status === 'input_required' && task.inputRequests) {
          const inputResponses: Record<string, unknown> = {};
          for (const [key, asked] of Object.entries(task.inputRequests)) {
            inputResponses[key] = await this.#answer(asked.method, asked.params);
          }
          await this.request('tasks/update', { taskId: task.taskId, inputResponses }, request);
        } else if (task.status === 'working' || task.status === 'input_required') {
          await sleep(task.pollIntervalMs ?? DEFAULT_POLL_MS, signal, deadline);
        }
        try {
          task = await this.get(task.taskId, request);
          faults = 0;
        } catch (error) {
          // A blip of the network while polling does not end the task; a server's answer does.
          if (
            !(error instanceof RemoteError) ||
            error.code !== 'UPSTREAM_UNAVAILABLE' ||
            ++faults >= MAX_POLL_FAULTS
          )
            throw error;
          continue;
        }
        if (task.statusMessage !== undefined && task.statusMessage !== lastMessage) {
          lastMessage = task.statusMessage;
          options.onStatus?.(lastMessage);
        }
      }
    } catch (error) {
      // The caller gave up (or its deadline passed, or an answer failed): the task must not run on.
      if (!isTerminalStatus(task.status)) await this.cancel(task.taskId).catch(() => undefined);
      throw error;
    }
  }

  /** Cancels a task (`tasks/cancel`), with a few seconds to answer. */
  async cancel(taskId: string, signal?: AbortSignal): Promise<void> {
    await this.request('tasks/cancel', { taskId }, { signal, deadline: Date.now() + 5_000 });
  }

  /** Outgoing: a client `tools/call` loses its mark and, in the modern era, declares the extension only when it runs as a task. */
  #outgoing(message: Message): Message {
    if (message.method === 'notifications/cancelled') {
      // The SDK gave up on a call before its answer came: nothing will ask for it any more.
      this.#calls.delete((message.params as { requestId?: string | number } | undefined)?.requestId ?? '');
      return message;
    }
    if (message.method !== 'tools/call' || message.id === undefined) return message;
    const params = (message.params ?? {}) as Record<string, unknown>;
    const meta = (params._meta ?? {}) as Record<string, unknown>;
    const { [CALL_MARK]: key, ...rest } = meta;
    const mark = key === undefined ? undefined : this.#marks.get(key as number);
    const name = String(params.name);
    const asTask = mark?.task === true || this.#taskTools.has(name);
    const nextMeta = this.#modern ? withTasksDeclared(rest, asTask) : rest;
    const nextParams = { ...params };
    if (Object.keys(nextMeta).length > 0) nextParams._meta = nextMeta;
    else delete nextParams._meta;
    const request = { ...message, params: nextParams } as TrackedCall['request'];
    this.#calls.set(request.id, { mark, request, name, asTask });
    return request;
  }

  /** Incoming: answers to the channel's own requests, and tasks the server made of client calls. True when consumed. */
  #incoming(message: Message): boolean {
    if (message.method !== undefined || message.id === undefined) return false;
    const id = message.id as string | number;
    const pending = typeof id === 'string' ? this.#pending.get(id) : undefined;
    if (pending) {
      const error = message.error as { code: number; message: string; data?: unknown } | undefined;
      if (error) pending.reject(new ProtocolError(error.code, error.message, error.data));
      else pending.resolve((message.result ?? {}) as Record<string, unknown>);
      return true;
    }
    const call = this.#calls.get(id);
    if (!call) return false;
    if (message.error !== undefined) {
      // A tool that needs the extension, called without it (modern era): ask again, declaring it.
      if (this.#modern && !call.asTask && wantsTasks(message.error)) {
        this.#taskTools.add(call.name);
        call.asTask = true;
        const meta = withTasksDeclared((call.request.params._meta ?? {}) as Record<string, unknown>, true);
        this.#send({ ...call.request, params: { ...call.request.params, _meta: meta } }).catch(() => {
          this.#calls.delete(id);
          this.#deliver(message);
        });
        return true;
      }
      this.#calls.delete(id);
      return false;
    }
    const result = message.result as Record<string, unknown> | undefined;
    const task = result?.resultType === 'task' ? readTask(result) : undefined;
    if (!task) {
      this.#calls.delete(id);
      return false;
    }
    void this.#settleCall(id, call, task);
    return true;
  }

  /** Follows the task a client call became and hands its end to the SDK as the call's answer. */
  async #settleCall(id: string | number, call: TrackedCall, task: TaskSnapshot): Promise<void> {
    const signal = call.mark?.signal;
    const deadline = call.mark?.deadline ?? Date.now() + 60_000;
    const progressToken = (call.request.params._meta as { progressToken?: unknown } | undefined)
      ?.progressToken;
    let progress = 0;
    const onStatus =
      progressToken === undefined
        ? undefined
        : (text: string) =>
            this.#deliver({
              jsonrpc: '2.0',
              method: 'notifications/progress',
              params: { progressToken, progress: ++progress, message: text },
            });
    try {
      const end = await this.follow(task, { signal, deadline, onStatus });
      if (end.status === 'completed') {
        const result = this.#modern ? { resultType: 'complete', ...end.result } : end.result;
        this.#deliver({ jsonrpc: '2.0', id, result });
      } else if (end.status === 'failed') {
        this.#deliver({ jsonrpc: '2.0', id, error: end.error });
      } else {
        this.#deliver({ jsonrpc: '2.0', id, error: cancelledError(task.taskId) });
      }
    } catch (error) {
      // The SDK gave up on its own (abort, timeout): nobody waits for an answer any more.
      if (signal?.aborted || Date.now() >= deadline) return;
      this.#deliver({ jsonrpc: '2.0', id, error: followError(error) });
    } finally {
      this.#calls.delete(id);
    }
  }
}

function isTerminalStatus(status: string): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}

/** The JSON-RPC error a task cancelled by someone else becomes: coded, not retryable. */
function cancelledError(taskId: string) {
  return {
    code: -32603,
    message: `The task ${taskId} was cancelled.`,
    data: { code: 'CONFLICT', message: `The task ${taskId} was cancelled.`, retryable: false },
  };
}

/** The JSON-RPC error a failure to follow a task becomes, coded so the client maps it back. */
function followError(error: unknown) {
  if (error instanceof ProtocolError)
    return { code: error.rpcCode, message: error.message, data: error.data };
  const coded = error instanceof McpkitError ? error : undefined;
  const message = error instanceof Error ? error.message : String(error);
  return {
    code: -32603,
    message,
    data: {
      code: coded?.code ?? 'INTERNAL',
      message,
      retryable: coded?.retryable ?? false,
      ...(coded?.hint ? { hint: coded.hint } : {}),
    },
  };
}

/** Waits `ms` (cut short by the deadline), or rejects when the signal aborts. */
function sleep(ms: number, signal: AbortSignal | undefined, deadline: number): Promise<void> {
  const wait = Math.max(0, Math.min(ms, deadline - Date.now()));
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      if (Date.now() >= deadline) {
        reject(
          new RemoteError('UPSTREAM_TIMEOUT', 'The task did not finish within the call deadline.', {
            retryable: true,
            hint: 'Raise `timeoutMs` (per call or on the client) for long tasks.',
          }),
        );
      } else resolve();
    }, wait);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
