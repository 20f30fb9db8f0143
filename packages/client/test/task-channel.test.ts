import { McpkitError, ProtocolError } from '@mcpkit/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { endOf } from '../src/client-tasks.js';
import { RemoteError } from '../src/remote-error.js';
import { harness, settle, taskOf } from './task-channel-harness.js';

// The Tasks channel on a fake transport and a fake clock: what it tracks, when it stops, what it throws.

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const call = (id: number, meta?: Record<string, unknown>) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name: 'slow', arguments: { blob: 'x'.repeat(1_000) }, ...(meta ? { _meta: meta } : {}) },
});

describe('tracked calls (finding 1)', () => {
  it('a call the SDK aborts (its request signal, modern HTTP) is forgotten', async () => {
    const h = harness();
    for (let i = 1; i <= 40; i++) {
      const controller = new AbortController();
      await h.sdkSend(call(i), { requestSignal: controller.signal });
      controller.abort(new Error('timed out'));
    }
    expect(h.channel.tracked()).toEqual({ calls: 0, marks: 0, pending: 0, follows: 0 });
  });

  it("a marked call without an answer is forgotten when callTool's attempt releases its mark", async () => {
    const h = harness();
    for (let i = 1; i <= 40; i++) {
      const key = h.channel.mark({ task: false, deadline: Date.now() + 100 });
      await h.sdkSend(call(i, { 'dev.mcpkit/call': key }));
      h.channel.release(key);
    }
    expect(h.channel.tracked()).toEqual({ calls: 0, marks: 0, pending: 0, follows: 0 });
  });

  it('a call that became a task is still followed after its request signal aborts… and then cancelled', async () => {
    const h = harness({ script: (m) => (m.method === 'tasks/cancel' ? { result: {} } : undefined) });
    const controller = new AbortController();
    await h.sdkSend(call(1), { requestSignal: controller.signal });
    h.receive({ jsonrpc: '2.0', id: 1, result: { resultType: 'task', ...taskOf('working') } });
    await settle();
    expect(h.channel.tracked().follows).toBe(1);
    controller.abort(new Error('gave up'));
    await settle();
    expect(h.methods()).toContain('tasks/cancel');
    expect(h.channel.tracked()).toEqual({ calls: 0, marks: 0, pending: 0, follows: 0 });
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('a question waiting for its handler (finding 2)', () => {
  it.each(['abort', 'deadline'] as const)(
    'ends on %s: the handler sees its signal abort and the task is cancelled',
    async (how) => {
      let handlerSignal: AbortSignal | undefined;
      const h = harness({
        answer: (_method, _params, signal) => {
          handlerSignal = signal;
          return new Promise(() => undefined);
        },
        script: (m) => (m.method === 'tasks/cancel' ? { result: {} } : undefined),
      });
      const controller = new AbortController();
      const asked = taskOf('input_required', {
        inputRequests: { q: { method: 'elicitation/create', params: { message: 'go?' } } },
      });
      const following = h.channel.follow(asked, { signal: controller.signal, deadline: Date.now() + 5_000 });
      const outcome = following.then(
        () => 'resolved',
        (error: unknown) => error,
      );
      await settle();
      expect(handlerSignal?.aborted).toBe(false);
      if (how === 'abort') controller.abort(new Error('user gave up'));
      else await vi.advanceTimersByTimeAsync(5_000);
      await settle();
      const error = await outcome;
      expect(handlerSignal?.aborted).toBe(true);
      expect(h.methods()).toEqual(['tasks/cancel']);
      if (how === 'abort') expect(error).toMatchObject({ message: 'user gave up' });
      else expect(error).toMatchObject({ code: 'UPSTREAM_TIMEOUT' });
    },
  );
});

describe('closing the channel (finding 3)', () => {
  it('cancels followed tasks, rejects waiting requests and leaves no timer', async () => {
    const h = harness({ script: (m) => (m.method === 'tasks/cancel' ? { result: {} } : undefined) });
    const following = h.channel.follow(taskOf('working', { pollIntervalMs: 5_000 }), {
      deadline: Date.now() + 60_000,
    });
    const followed = following.catch((error: unknown) => error);
    const waiting = h.channel.request('tasks/get', { taskId: 'other' }, { deadline: Date.now() + 60_000 });
    const waited = waiting.catch((error: unknown) => error);
    await settle();
    await h.channel.close();
    expect(await followed).toMatchObject({ message: 'The client was closed.' });
    expect(await waited).toMatchObject({ message: 'The client was closed.' });
    expect(h.methods()).toEqual(['tasks/get', 'tasks/cancel']);
    expect(h.channel.tracked()).toEqual({ calls: 0, marks: 0, pending: 0, follows: 0 });
    expect(vi.getTimerCount()).toBe(0);
    await expect(
      h.channel.request('tasks/get', { taskId: 'x' }, { deadline: Date.now() + 1 }),
    ).rejects.toMatchObject({
      message: 'The client was closed.',
    });
  });

  it('the transport closing ends a task call at once, with an error for the SDK', async () => {
    const h = harness();
    await h.sdkSend(call(7));
    h.receive({ jsonrpc: '2.0', id: 7, result: { resultType: 'task', ...taskOf('working') } });
    await settle();
    h.close();
    await settle();
    expect(h.delivered).toMatchObject([{ id: 7, error: { message: 'The client was closed.' } }]);
    expect(h.channel.tracked()).toEqual({ calls: 0, marks: 0, pending: 0, follows: 0 });
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('terminal snapshots and poll intervals (finding 5)', () => {
  it.each(['completed', 'failed'])(
    '%s without its payload ends the follow with a ProtocolError',
    async (status) => {
      const h = harness();
      await expect(h.channel.follow(taskOf(status), { deadline: Date.now() + 1_000 })).rejects.toBeInstanceOf(
        ProtocolError,
      );
      expect(h.sent).toEqual([]);
    },
  );

  it.each([0, Number.NaN, '10', -5])(
    'a pollIntervalMs of %s polls no faster than every 50 ms',
    async (interval) => {
      let gets = 0;
      const h = harness({
        script: (m) => {
          if (m.method === 'tasks/get') gets++;
          return m.method === 'tasks/get'
            ? { result: taskOf('working', { pollIntervalMs: interval }) }
            : { result: {} };
        },
      });
      const following = h.channel.follow(taskOf('working', { pollIntervalMs: interval }), {
        deadline: Date.now() + 2_000,
      });
      following.catch(() => undefined);
      await vi.advanceTimersByTimeAsync(1_000);
      // At most one poll per 50 ms (an invalid interval falls back to 1 s).
      expect(gets).toBeLessThanOrEqual(20);
      expect(gets).toBeGreaterThan(0);
      await vi.advanceTimersByTimeAsync(1_000);
      await expect(following).rejects.toMatchObject({ code: 'UPSTREAM_TIMEOUT' });
    },
  );
});

describe('a blip after answering a question (finding 6)', () => {
  it('does not ask the handler the same question again', async () => {
    const answer = vi.fn(async () => ({ action: 'accept', content: {} }));
    let gets = 0;
    const h = harness({
      answer,
      script: (m) => {
        if (m.method === 'tasks/update') return { result: {} };
        if (m.method !== 'tasks/get') return undefined;
        if (++gets === 1) return new TypeError('fetch failed');
        return { result: taskOf('completed', { result: { content: [] } }) };
      },
    });
    const asked = taskOf('input_required', { inputRequests: { q: { method: 'elicitation/create' } } });
    const following = h.channel.follow(asked, { deadline: Date.now() + 10_000 });
    await vi.advanceTimersByTimeAsync(1_000);
    await expect(following).resolves.toEqual({ status: 'completed', result: { content: [] } });
    expect(answer).toHaveBeenCalledTimes(1);
    expect(h.methods()).toEqual(['tasks/update', 'tasks/get', 'tasks/get']);
  });
});

describe('errors keep their code (finding 7)', () => {
  it('a send refused with HTTP 403 is FORBIDDEN, not a retryable UPSTREAM_UNAVAILABLE', async () => {
    const { SdkHttpError } = await import('@modelcontextprotocol/client');
    const h = harness({
      script: () => new SdkHttpError(403 as never, 'Forbidden', { status: 403 } as never) as Error,
    });
    const error = await h.channel
      .request('tasks/get', { taskId: 't1' }, { deadline: Date.now() + 1_000 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'FORBIDDEN', retryable: false });
  });

  it("a JSON-RPC error with a coded payload is the server's RemoteError", async () => {
    const h = harness({
      script: () => ({
        error: {
          code: -32603,
          message: 'shutting down',
          data: { code: 'UPSTREAM_UNAVAILABLE', message: 'shutting down', retryable: true, requestId: 'r-1' },
        },
      }),
    });
    const error = await h.channel.get('t1', { deadline: Date.now() + 1_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryable: true, requestId: 'r-1' });
  });

  it("tasks.result on a failed task: the server's coded error, or a ProtocolError without one", () => {
    const coded = {
      code: -32603,
      message: 'shutting down',
      data: { code: 'UPSTREAM_UNAVAILABLE', message: 'shutting down', retryable: true, requestId: 'r-2' },
    };
    expect(() => endOf({ status: 'failed', error: coded }, 't1')).toThrow(
      expect.objectContaining({ code: 'UPSTREAM_UNAVAILABLE', retryable: true, requestId: 'r-2' }),
    );
    expect(() => endOf({ status: 'failed', error: { code: -32000, message: 'boom' } }, 't1')).toThrow(
      ProtocolError,
    );
  });

  it("the channel's sends go through the client's authorization retry", async () => {
    const h = harness({ script: () => ({ result: taskOf('working') }) });
    void h;
    const seen: string[] = [];
    const { TaskChannel } = await import('../src/task-channel.js');
    const sends: unknown[] = [];
    const transport = {
      onmessage: undefined as undefined | ((m: unknown) => void),
      async send(message: { id: string }) {
        sends.push(message);
        if (sends.length === 1) throw new McpkitError('UNAUTHORIZED', 'expired');
        queueMicrotask(() =>
          transport.onmessage?.({ jsonrpc: '2.0', id: message.id, result: taskOf('working') }),
        );
      },
    };
    const channel = new TaskChannel(transport as never, {
      modern: false,
      envelope: () => ({}),
      answer: async () => ({}),
      authorized: async (send) => {
        try {
          return await send();
        } catch {
          seen.push('refreshed');
          return send();
        }
      },
    });
    await expect(channel.get('t1', { deadline: Date.now() + 1_000 })).resolves.toMatchObject({
      taskId: 't1',
    });
    expect(seen).toEqual(['refreshed']);
  });
});

describe('a tool that wants the extension, asked again (finding 10)', () => {
  it('is resent with the original send options, so the SDK can still abort it', async () => {
    const h = harness();
    const controller = new AbortController();
    await h.sdkSend(call(3), { requestSignal: controller.signal });
    h.receive({
      jsonrpc: '2.0',
      id: 3,
      error: {
        code: -32021,
        message: 'needs tasks',
        data: { requiredCapabilities: { extensions: { 'io.modelcontextprotocol/tasks': {} } } },
      },
    });
    await settle();
    expect(h.sent).toHaveLength(2);
    expect(h.sent[1]?.options?.requestSignal).toBe(controller.signal);
    controller.abort();
    expect(h.channel.tracked().calls).toBe(0);
  });
});

describe('small things (finding 12)', () => {
  it('rides out three transport faults in a row and gives up on the fourth', async () => {
    let gets = 0;
    const h = harness({
      script: (m) => {
        if (m.method === 'tasks/cancel') return { result: {} };
        gets++;
        return gets <= 3
          ? new TypeError('fetch failed')
          : { result: taskOf('completed', { result: { content: [] } }) };
      },
    });
    const ok = h.channel.follow(taskOf('working'), { deadline: Date.now() + 10_000 });
    await vi.advanceTimersByTimeAsync(1_000);
    await expect(ok).resolves.toMatchObject({ status: 'completed' });
    h.setScript((m) => (m.method === 'tasks/cancel' ? { result: {} } : new TypeError('fetch failed')));
    const failing = h.channel.follow(taskOf('working'), { deadline: Date.now() + 10_000 });
    failing.catch(() => undefined);
    await vi.advanceTimersByTimeAsync(1_000);
    await expect(failing).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect(h.methods().filter((m) => m === 'tasks/get')).toHaveLength(4 + 4);
  });

  it("the task's first status message is reported too", async () => {
    const messages: string[] = [];
    const h = harness({
      script: () => ({
        result: taskOf('completed', { statusMessage: 'writing rows', result: { content: [] } }),
      }),
    });
    const following = h.channel.follow(taskOf('working', { statusMessage: 'collecting orders' }), {
      deadline: Date.now() + 10_000,
      onStatus: (m) => messages.push(m),
    });
    await vi.advanceTimersByTimeAsync(100);
    await following;
    expect(messages).toEqual(['collecting orders', 'writing rows']);
  });

  it.each([2 ** 31, Number.POSITIVE_INFINITY])(
    'a deadline %s ms away does not time a request out at once',
    async (ms) => {
      const h = harness();
      const waiting = h.channel.request('tasks/get', { taskId: 't1' }, { deadline: Date.now() + ms });
      const outcome = waiting.then(
        () => 'answered',
        (e: unknown) => e,
      );
      await vi.advanceTimersByTimeAsync(10_000);
      const id = h.sent[0]?.message.id;
      h.receive({ jsonrpc: '2.0', id, result: taskOf('working') });
      expect(await outcome).toBe('answered');
    },
  );
});
