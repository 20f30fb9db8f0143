import { McpkitError, ProtocolError } from '@mcpkit/core';
import type { JSONRPCMessage, Transport, TransportSendOptions } from '@modelcontextprotocol/client';
import { RemoteError } from './remote-error.js';
import { cancelledError, followError, rpcErrorOf, sendErrorOf } from './task-errors.js';
import { atDeadline, followSignal, raceAbort, sleep } from './task-wait.js';
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

/**
 * Answers one of the server's input requests (`elicitation/create`, `sampling/createMessage`,
 * `roots/list`); `signal` aborts when the call that waits for the answer gives up.
 */
export type InputAnswerer = (
  method: string,
  params: Record<string, unknown> | undefined,
  signal: AbortSignal,
) => Promise<unknown>;

/** How {@link TaskChannel.follow} follows a task. */
export interface FollowOptions {
  signal?: AbortSignal | undefined;
  deadline: number;
  /** Called with each new status message of the task (the first one included). */
  onStatus?: ((message: string) => void) | undefined;
}

/** How the channel is built. */
export interface TaskChannelOptions {
  modern: boolean;
  envelope: () => Record<string, unknown>;
  answer: InputAnswerer;
  /** Runs one send of the channel's own requests (the client's authorization retry). Default: as it is. */
  authorized?: <T>(send: () => Promise<T>) => Promise<T>;
}

interface Pending {
  resolve: (result: Record<string, unknown>) => void;
  reject: (error: unknown) => void;
}

interface TrackedCall {
  mark: CallMark | undefined;
  markKey: number | undefined;
  request: Record<string, unknown> & { id: string | number; params: Record<string, unknown> };
  sendOptions: TransportSendOptions | undefined;
  name: string;
  asTask: boolean;
  /** Once the answer was a task: aborts following it (the SDK gave up on the call). */
  follow?: AbortController;
  /** Detaches the listener on the SDK's request signal. */
  detach: () => void;
}

/** Poll failures of the transport in a row that following a task rides out; the next one ends it. */
const MAX_POLL_FAULTS = 3;
/** The poll interval when the server suggests none (or one that is not a number). */
const DEFAULT_POLL_MS = 1_000;
/** The poll interval's bounds: a server cannot make the client spin, nor wait for hours. */
const MIN_POLL_MS = 50;
const MAX_POLL_MS = 60_000;
/** The deadline of a call that reached the channel without a mark (the SDK's default timeout). */
const UNMARKED_CALL_MS = 60_000;
/** How long `close()` waits for the cancels of followed tasks. */
const CLOSE_CANCEL_MS = 2_000;

type Message = Record<string, unknown>;

/** The poll interval to use for a task: the server's, clamped, or the default. */
export function pollDelay(suggested: unknown): number {
  if (typeof suggested !== 'number' || !Number.isFinite(suggested)) return DEFAULT_POLL_MS;
  return Math.min(MAX_POLL_MS, Math.max(MIN_POLL_MS, suggested));
}

function closedError(): McpkitError {
  return new McpkitError('UPSTREAM_UNAVAILABLE', 'The client was closed.', {
    retryable: false,
    hint: 'Open a new client with createClient.',
  });
}

/**
 * The Tasks extension on an official-SDK transport. It sits between the SDK client and its
 * transport: a `tools/call` answered with a task is followed here (polled at the server's
 * interval, its questions answered with the client's handlers, cancelled on abort) and the SDK
 * receives the task's final result as the call's answer, so everything above (output validation,
 * progress, errors, retries) works unchanged. It also sends the extension's own requests.
 */
export class TaskChannel {
  readonly #send: (message: Message, sendOptions?: TransportSendOptions) => Promise<void>;
  readonly #deliver: (message: Message) => void;
  readonly #modern: boolean;
  readonly #envelope: () => Record<string, unknown>;
  readonly #answer: InputAnswerer;
  readonly #authorized: <T>(send: () => Promise<T>) => Promise<T>;
  readonly #pending = new Map<string, Pending>();
  readonly #calls = new Map<string | number, TrackedCall>();
  readonly #marks = new Map<number, CallMark>();
  readonly #callOfMark = new Map<number, string | number>();
  /** Tasks being followed, with their end: `close()` cancels and awaits them. */
  readonly #follows = new Set<Promise<unknown>>();
  /** Aborts every follow when the client closes. */
  readonly #closing = new AbortController();
  /** Tools the server refused without the extension: later calls declare it at once. */
  readonly #taskTools = new Set<string>();
  #closed = false;
  #nextId = 0;
  #nextMark = 0;

  constructor(transport: Transport, options: TaskChannelOptions) {
    this.#modern = options.modern;
    this.#envelope = options.envelope;
    this.#answer = options.answer;
    this.#authorized = options.authorized ?? ((send) => send());
    const sdkOnMessage = transport.onmessage;
    const sdkOnClose = transport.onclose;
    const send = transport.send.bind(transport);
    this.#send = (message, sendOptions) => send(message as JSONRPCMessage, sendOptions);
    this.#deliver = (message) => sdkOnMessage?.call(transport, message as JSONRPCMessage);
    transport.onmessage = (message, extra) => {
      if (!this.#incoming(message as Message)) sdkOnMessage?.call(transport, message, extra);
    };
    transport.send = (message, sendOptions) =>
      send(this.#outgoing(message as Message, sendOptions) as JSONRPCMessage, sendOptions);
    transport.onclose = () => {
      // Nothing can be sent any more: everything waiting on the transport ends now.
      this.#shutDown();
      sdkOnClose?.call(transport);
    };
  }

  /** Registers a call's mark; its key goes into the request's `_meta[CALL_MARK]`. */
  mark(mark: CallMark): number {
    const key = ++this.#nextMark;
    this.#marks.set(key, mark);
    return key;
  }

  /** Forgets a call's mark once the call settled (and the call, unless it is a task still followed). */
  release(key: number): void {
    this.#marks.delete(key);
    const id = this.#callOfMark.get(key);
    this.#callOfMark.delete(key);
    if (id !== undefined && !this.#calls.get(id)?.follow) this.#forget(id);
  }

  /**
   * How many calls, marks, requests and follows the channel holds.
   * @internal For tests: everything settled leaves all of them at zero.
   */
  tracked(): { calls: number; marks: number; pending: number; follows: number } {
    return {
      calls: this.#calls.size,
      marks: this.#marks.size + this.#callOfMark.size,
      pending: this.#pending.size,
      follows: this.#follows.size,
    };
  }

  /**
   * Closes the channel (the client is closing): every followed task is cancelled on the server
   * (best effort, briefly) and ends with an error, and every request waiting for an answer rejects.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closing.abort(closedError());
    let disarm: () => void = () => undefined;
    const grace = new Promise<void>((resolve) => {
      disarm = atDeadline(Date.now() + CLOSE_CANCEL_MS, resolve);
    });
    await Promise.race([Promise.allSettled([...this.#follows]), grace]);
    disarm();
    this.#shutDown();
  }

  /** Ends everything at once: follows aborted, requests rejected, calls forgotten. */
  #shutDown(): void {
    this.#closed = true;
    this.#closing.abort(closedError());
    for (const pending of [...this.#pending.values()]) pending.reject(closedError());
    for (const id of [...this.#calls.keys()]) this.#forget(id);
    this.#marks.clear();
  }

  /** Sends one request of the extension (or a task-augmented `tools/call`) and resolves to its raw result. */
  request(
    method: string,
    params: Record<string, unknown>,
    options: { signal?: AbortSignal | undefined; deadline: number },
  ): Promise<Record<string, unknown>> {
    if (this.#closed) return Promise.reject(closedError());
    const id = `mcpkit-task-${++this.#nextId}`;
    const framed = this.#modern
      ? { ...params, _meta: { ...(params._meta as object | undefined), ...this.#envelope() } }
      : params;
    return new Promise((resolve, reject) => {
      const { signal } = options;
      const aborted = new AbortController();
      const done = () => {
        disarm();
        signal?.removeEventListener('abort', onAbort);
        this.#pending.delete(id);
      };
      const onAbort = () => {
        done();
        aborted.abort(signal?.reason);
        reject(signal?.reason);
      };
      const disarm = atDeadline(options.deadline, () => {
        done();
        aborted.abort();
        reject(
          new RemoteError('UPSTREAM_TIMEOUT', `The server did not answer ${method} in time.`, {
            retryable: true,
            hint: 'Raise `timeoutMs` if the task is expected to take longer.',
          }),
        );
      });
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
      this.#authorized(() =>
        this.#send({ jsonrpc: '2.0', id, method, params: framed }, { requestSignal: aborted.signal }),
      ).catch((error: unknown) => {
        if (!this.#pending.has(id)) return;
        done();
        reject(sendErrorOf(method, error));
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
   * signal aborts, the deadline passes or the client closes.
   */
  follow(first: TaskSnapshot, options: FollowOptions): Promise<TaskEnd> {
    const running = this.#follow(first, options);
    const tracked = running.catch(() => undefined);
    this.#follows.add(tracked);
    void tracked.then(() => this.#follows.delete(tracked));
    return running;
  }

  async #follow(first: TaskSnapshot, options: FollowOptions): Promise<TaskEnd> {
    let task = first;
    let lastMessage: string | undefined;
    let faults = 0;
    const guard = followSignal([options.signal, this.#closing.signal], options.deadline);
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
            inputResponses[key] = await raceAbort(this.#answer(asked.method, asked.params, signal), signal);
          }
          await this.request('tasks/update', { taskId: task.taskId, inputResponses }, request);
          // Answered: a blip before the next snapshot must not ask the handlers again.
          task = { ...task, status: 'working', inputRequests: undefined };
        } else {
          await sleep(pollDelay(task.pollIntervalMs), signal);
        }
        try {
          task = await this.get(task.taskId, request);
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
      if (!isTerminalStatus(task.status)) await this.cancel(task.taskId).catch(() => undefined);
      throw error;
    } finally {
      guard.dispose();
    }
  }

  /** Cancels a task (`tasks/cancel`), with a few seconds to answer. */
  async cancel(taskId: string, signal?: AbortSignal): Promise<void> {
    // Cancels still go while the client closes: they are what closing waits for.
    if (this.#closed) throw closedError();
    await this.request('tasks/cancel', { taskId }, { signal, deadline: Date.now() + 5_000 });
  }

  /** Outgoing: a client `tools/call` loses its mark and, in the modern era, declares the extension only when it runs as a task. */
  #outgoing(message: Message, sendOptions: TransportSendOptions | undefined): Message {
    if (message.method === 'notifications/cancelled') {
      // The SDK gave up on a call before its answer came: nothing will ask for it any more.
      const params = message.params as { requestId?: string | number; reason?: string } | undefined;
      this.#drop(params?.requestId ?? '', new Error(params?.reason ?? 'The call was cancelled.'));
      return message;
    }
    if (message.method !== 'tools/call' || message.id === undefined) return message;
    const params = (message.params ?? {}) as Record<string, unknown>;
    const meta = (params._meta ?? {}) as Record<string, unknown>;
    const { [CALL_MARK]: key, ...rest } = meta;
    const markKey = typeof key === 'number' ? key : undefined;
    const mark = markKey === undefined ? undefined : this.#marks.get(markKey);
    const name = String(params.name);
    const asTask = mark?.task === true || this.#taskTools.has(name);
    const nextMeta = this.#modern ? withTasksDeclared(rest, asTask) : rest;
    const nextParams = { ...params };
    if (Object.keys(nextMeta).length > 0) nextParams._meta = nextMeta;
    else delete nextParams._meta;
    const request = { ...message, params: nextParams } as TrackedCall['request'];
    const id = request.id;
    const requestSignal = sendOptions?.requestSignal;
    const onAbort = () => this.#drop(id, requestSignal?.reason);
    requestSignal?.addEventListener('abort', onAbort, { once: true });
    const detach = () => requestSignal?.removeEventListener('abort', onAbort);
    this.#calls.set(id, {
      mark,
      markKey: mark ? markKey : undefined,
      request,
      sendOptions,
      name,
      asTask,
      detach,
    });
    if (mark && markKey !== undefined) this.#callOfMark.set(markKey, id);
    return request;
  }

  /** The SDK gave up on a call: forget it, or stop following the task it became. */
  #drop(id: string | number, reason: unknown): void {
    const call = this.#calls.get(id);
    if (!call) return;
    if (call.follow) call.follow.abort(reason);
    else this.#forget(id);
  }

  #forget(id: string | number): void {
    const call = this.#calls.get(id);
    if (!call) return;
    call.detach();
    call.follow?.abort(closedError());
    this.#calls.delete(id);
    if (call.markKey !== undefined && this.#callOfMark.get(call.markKey) === id)
      this.#callOfMark.delete(call.markKey);
  }

  /** Incoming: answers to the channel's own requests, and tasks the server made of client calls. True when consumed. */
  #incoming(message: Message): boolean {
    if (message.method !== undefined || message.id === undefined) return false;
    const id = message.id as string | number;
    const pending = typeof id === 'string' ? this.#pending.get(id) : undefined;
    if (pending) {
      const error = message.error as { code: number; message: string; data?: unknown } | undefined;
      if (error) pending.reject(rpcErrorOf(error));
      else pending.resolve((message.result ?? {}) as Record<string, unknown>);
      return true;
    }
    const call = this.#calls.get(id);
    if (!call || call.follow) return false;
    if (message.error !== undefined) {
      // A tool that needs the extension, called without it (modern era): ask again, declaring it.
      if (this.#modern && !call.asTask && wantsTasks(message.error)) {
        this.#taskTools.add(call.name);
        call.asTask = true;
        const meta = withTasksDeclared((call.request.params._meta ?? {}) as Record<string, unknown>, true);
        call.request = { ...call.request, params: { ...call.request.params, _meta: meta } };
        this.#send(call.request, call.sendOptions).catch(() => {
          this.#forget(id);
          this.#deliver(message);
        });
        return true;
      }
      this.#forget(id);
      return false;
    }
    const result = message.result as Record<string, unknown> | undefined;
    const task = result?.resultType === 'task' ? readTask(result) : undefined;
    if (!task) {
      this.#forget(id);
      return false;
    }
    call.follow = new AbortController();
    void this.#settleCall(id, call, task, call.follow.signal);
    return true;
  }

  /** Follows the task a client call became and hands its end to the SDK as the call's answer. */
  async #settleCall(
    id: string | number,
    call: TrackedCall,
    task: TaskSnapshot,
    dropped: AbortSignal,
  ): Promise<void> {
    const deadline = call.mark?.deadline ?? Date.now() + UNMARKED_CALL_MS;
    const signal = call.mark?.signal ? AbortSignal.any([call.mark.signal, dropped]) : dropped;
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
      // The SDK gave up on its own (abort, its timeout, the same as the mark's): nobody waits any more.
      if (signal.aborted && !this.#closing.signal.aborted) return;
      if (call.mark && Date.now() >= deadline) return;
      this.#deliver({ jsonrpc: '2.0', id, error: followError(error) });
    } finally {
      call.follow = undefined;
      this.#forget(id);
    }
  }
}

function isTerminalStatus(status: string): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}
