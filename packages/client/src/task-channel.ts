import { ProtocolError } from '@mcpkit/core';
import type { JSONRPCMessage, Transport, TransportSendOptions } from '@modelcontextprotocol/client';
import { type CallMark, withoutMark } from './call-mark.js';
import { closedError } from './task-errors.js';
import { answerFollowedCall, type FollowOptions, followTask, type InputAnswerer } from './task-follow.js';
import { TaskRequests } from './task-requests.js';
import { atDeadline } from './task-wait.js';
import { readTask, type TaskEnd, type TaskSnapshot, wantsTasks, withTasksDeclared } from './task-wire.js';

export type { FollowOptions, InputAnswerer } from './task-follow.js';

/** How the channel is built. */
export interface TaskChannelOptions {
  modern: boolean;
  envelope: () => Record<string, unknown>;
  answer: InputAnswerer;
  /** Runs one send of the channel's own requests (the client's authorization retry). Default: as it is. */
  authorized?: <T>(send: () => Promise<T>) => Promise<T>;
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

/** The deadline of a call that reached the channel without a mark (the SDK's default timeout). */
const UNMARKED_CALL_MS = 60_000;
/** How long `close()` waits for the cancels of followed tasks. */
const CLOSE_CANCEL_MS = 2_000;

type Message = Record<string, unknown>;

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
  readonly #requests: TaskRequests;
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
  #nextMark = 0;

  constructor(transport: Transport, options: TaskChannelOptions) {
    this.#modern = options.modern;
    this.#envelope = options.envelope;
    this.#answer = options.answer;
    const authorized = options.authorized ?? ((run) => run());
    const sdkOnMessage = transport.onmessage;
    const sdkOnClose = transport.onclose;
    const send = transport.send.bind(transport);
    this.#send = (message, sendOptions) => send(message as JSONRPCMessage, sendOptions);
    this.#deliver = (message) => sdkOnMessage?.call(transport, message as JSONRPCMessage);
    this.#requests = new TaskRequests({
      send: (message, sendOptions) => authorized(() => this.#send(message, sendOptions)),
      frame: (params) =>
        this.#modern
          ? { ...params, _meta: { ...(params._meta as object | undefined), ...this.#envelope() } }
          : params,
    });
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
      pending: this.#requests.size,
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
    this.#requests.rejectAll(closedError);
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
    return this.#requests.request(method, params, options);
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
    const running = followTask(first, options, {
      get: (taskId, request) => this.get(taskId, request),
      request: (method, params, request) => this.request(method, params, request),
      cancel: (taskId) => this.cancel(taskId),
      answer: this.#answer,
      closing: this.#closing.signal,
    });
    const tracked = running.catch(() => undefined);
    this.#follows.add(tracked);
    void tracked.then(() => this.#follows.delete(tracked));
    return running;
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
    const { markKey, meta } = withoutMark(params);
    const mark = markKey === undefined ? undefined : this.#marks.get(markKey);
    const name = String(params.name);
    const asTask = mark?.task === true || this.#taskTools.has(name);
    const nextMeta = this.#modern ? withTasksDeclared(meta, asTask) : meta;
    const { _meta: _old, ...nextParams } = params;
    const request = {
      ...message,
      params: Object.keys(nextMeta).length > 0 ? { ...nextParams, _meta: nextMeta } : nextParams,
    } as TrackedCall['request'];
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
    if (this.#requests.settle(message)) return true;
    const id = message.id as string | number;
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
    try {
      await answerFollowedCall({
        id,
        task,
        deadline: call.mark?.deadline ?? Date.now() + UNMARKED_CALL_MS,
        marked: call.mark !== undefined,
        signal: call.mark?.signal ? AbortSignal.any([call.mark.signal, dropped]) : dropped,
        progressToken: (call.request.params._meta as { progressToken?: unknown } | undefined)?.progressToken,
        modern: this.#modern,
        closing: this.#closing.signal,
        follow: (first, options) => this.follow(first, options),
        deliver: this.#deliver,
      });
    } finally {
      call.follow = undefined;
      this.#forget(id);
    }
  }
}
