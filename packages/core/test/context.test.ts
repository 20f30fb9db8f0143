import {
  type BaseContext,
  createServer,
  LOGGING_LEVELS,
  type Logger,
  type LoggingLevel,
  McpkitError,
  META,
  RpcCode,
  type ToolCallContext,
} from '@mcpkit/core';
import {
  type CapturedProgress,
  createTestClient,
  expectToolError,
  resultText,
  type TestClient,
} from '@mcpkit/testing';
import { describe, expect, it, vi } from 'vitest';
import * as z from 'zod';

const eras = ['modern', 'legacy'] as const;

interface WireMessage {
  id?: string | number;
  method?: string;
  params?: Record<string, unknown>;
  result?: unknown;
  error?: unknown;
}

/** Records every message the server sends to this client, as the client receives it. */
function tapInbound(client: TestClient): WireMessage[] {
  const seen: WireMessage[] = [];
  const transport = client.client.transport!;
  const original = transport.onmessage;
  transport.onmessage = (message, extra) => {
    seen.push(message as WireMessage);
    original?.call(transport, message, extra);
  };
  return seen;
}

/** A promise with its resolve function, for signalling from inside a handler. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Rejects when `signal` aborts (with its reason); never resolves otherwise. */
function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) return reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

const askName = {
  message: 'What is your name?',
  requestedSchema: {
    type: 'object' as const,
    properties: { name: { type: 'string' as const } },
    required: ['name'],
  },
};

const askModel = {
  messages: [{ role: 'user' as const, content: { type: 'text' as const, text: 'Capital of France?' } }],
  maxTokens: 50,
};

describe.each(eras)('context fields (%s era)', (era) => {
  it('describes the request: ids, era, protocol version, method, name, params and tool', async () => {
    let seen: ToolCallContext | undefined;
    const app = createServer({ name: 'ctx', version: '1' }).tool('inspect', {
      description: 'Captures its context',
      input: z.object({ x: z.number() }),
      annotations: { readOnlyHint: true },
      handler: (_args, ctx) => {
        seen = ctx as ToolCallContext;
        return 'ok';
      },
    });
    const client = await createTestClient(app, { era });
    await client.callTool('inspect', { x: 1 });
    expect(seen).toBeDefined();
    const ctx = seen!;
    // Generated ids: a random per-server prefix and a counter.
    expect(ctx.requestId).toMatch(/^[A-Za-z0-9_-]{8}-[0-9a-z]+$/);
    expect(['string', 'number']).toContain(typeof ctx.rpcId);
    expect(ctx.era).toBe(era);
    expect(ctx.protocolVersion).toBe(
      era === 'modern' ? '2026-07-28' : client.client.getNegotiatedProtocolVersion(),
    );
    expect(ctx.method).toBe('tools/call');
    expect(ctx.name).toBe('inspect');
    expect(ctx.params).toMatchObject({ name: 'inspect', arguments: { x: 1 } });
    expect(ctx.arguments).toEqual({ x: 1 });
    expect(ctx.args).toEqual({ x: 1 });
    expect(ctx.tool).toMatchObject({ name: 'inspect', annotations: { readOnlyHint: true } });
    expect(ctx.auth).toBeUndefined();
    expect(ctx.signal.aborted).toBe(false);
    expect(ctx.closeStream()).toBe(false);
    await client.close();
  });

  it('uses a distinct request id for every request', async () => {
    const ids: string[] = [];
    const app = createServer({ name: 'ctx', version: '1' }).tool('id', {
      description: 'Returns the request id',
      handler: (_args, ctx) => {
        ids.push(ctx.requestId);
        return ctx.requestId;
      },
    });
    const client = await createTestClient(app, { era });
    await Promise.all([client.callTool('id'), client.callTool('id'), client.callTool('id')]);
    expect(new Set(ids).size).toBe(3);
    await client.close();
  });

  it('exposes the client info and declared capabilities', async () => {
    let client: BaseContext['client'] | undefined;
    const app = createServer({ name: 'ctx', version: '1' }).tool('who', {
      description: 'Captures the client',
      handler: (_args, ctx) => {
        client = ctx.client;
        return 'ok';
      },
    });
    const test = await createTestClient(app, {
      era,
      clientName: 'context-suite',
      elicitation: () => ({ action: 'cancel' }),
      roots: [],
    });
    await test.callTool('who');
    expect(client?.info).toMatchObject({ name: 'context-suite', version: '1.0.0' });
    expect(client?.described).toBe(true);
    expect(client?.capabilities.elicitation).toBeDefined();
    expect(client?.capabilities.roots).toBeDefined();
    expect(client?.capabilities.sampling).toBeUndefined();
    await test.close();
  });

  it('exposes request headers lower-cased and read-only', async () => {
    let headers: BaseContext['headers'] | undefined;
    const app = createServer({ name: 'ctx', version: '1' }).tool('headers', {
      description: 'Captures headers',
      handler: (_args, ctx) => {
        headers = ctx.headers;
        return 'ok';
      },
    });
    const client = await createTestClient(app, {
      era,
      headers: { 'X-Tenant': 'acme', authorization: 'Bearer t0k3n' },
    });
    await client.callTool('headers');
    expect(headers).toMatchObject({ 'x-tenant': 'acme', authorization: 'Bearer t0k3n' });
    expect(headers?.['X-Tenant']).toBeUndefined();
    await client.close();
  });

  it('describes resources/read and prompts/get requests', async () => {
    const seen: Array<Record<string, unknown>> = [];
    const app = createServer({ name: 'ctx', version: '1' })
      .resource('files://{path}', {
        name: 'file',
        read: (uri, _vars, ctx) => {
          seen.push({ method: ctx.method, name: ctx.name, uri: ctx.uri, argUri: uri, era: ctx.era });
          return 'contents';
        },
      })
      .prompt('hello', {
        description: 'Greets',
        args: z.object({ who: z.string() }),
        get: ({ who }, ctx) => {
          seen.push({ method: ctx.method, name: ctx.name, arguments: ctx.arguments, era: ctx.era });
          return `hello ${who}`;
        },
      });
    const client = await createTestClient(app, { era });
    await client.readResource('files://readme');
    await client.getPrompt('hello', { who: 'ada' });
    expect(seen).toEqual([
      {
        method: 'resources/read',
        name: 'files://readme',
        uri: 'files://readme',
        argUri: 'files://readme',
        era,
      },
      { method: 'prompts/get', name: 'hello', arguments: { who: 'ada' }, era },
    ]);
    await client.close();
  });

  it('gives handlers a child logger whose lines carry the request id', async () => {
    const lines: Array<{ bindings: Record<string, unknown>; msg: unknown }> = [];
    const make = (bindings: Record<string, unknown>): Logger => {
      const write = (objOrMsg: Record<string, unknown> | string, msg?: string) => {
        lines.push({ bindings, msg: typeof objOrMsg === 'string' ? objOrMsg : msg });
      };
      return {
        trace: write,
        debug: write,
        info: write,
        warn: write,
        error: write,
        child: (more) => make({ ...bindings, ...more }),
      };
    };
    let requestId = '';
    const app = createServer({ name: 'ctx', version: '1', logger: make({ service: 'ctx' }) }).tool('logs', {
      description: 'Logs a line',
      handler: (_args, ctx) => {
        requestId = ctx.requestId;
        ctx.logger.info({ step: 1 }, 'working');
        return 'ok';
      },
    });
    const client = await createTestClient(app, { era });
    await client.callTool('logs');
    expect(lines).toContainEqual({ bindings: { service: 'ctx', requestId }, msg: 'working' });
    await client.close();
  });

  it('shares the server telemetry channel with handlers', async () => {
    const app = createServer({ name: 'ctx', version: '1' }).tool('emit', {
      description: 'Emits a cache hit',
      handler: (_args, ctx) => {
        ctx.telemetry.emit('cache.hit', { tool: 'emit', key: 'k', layer: 'l1' });
        return 'ok';
      },
    });
    const server = app.build();
    const hits: unknown[] = [];
    server.telemetry.on('cache.hit', (event) => hits.push(event));
    const client = await createTestClient(server, { era });
    await client.callTool('emit');
    expect(hits).toEqual([{ tool: 'emit', key: 'k', layer: 'l1' }]);
    await client.close();
  });
});

describe.each(eras)('cancellation (%s era)', (era) => {
  it('aborts ctx.signal when the client cancels the call', async () => {
    const started = deferred();
    const aborted = deferred<unknown>();
    const app = createServer({ name: 'cancel', version: '1' }).tool('wait', {
      description: 'Waits until cancelled',
      handler: async (_args, ctx) => {
        ctx.signal.addEventListener('abort', () => aborted.resolve(ctx.signal.reason), { once: true });
        started.resolve();
        await untilAborted(ctx.signal);
        return 'never';
      },
    });
    const client = await createTestClient(app, { era });
    const controller = new AbortController();
    const call = client.callTool('wait', {}, { signal: controller.signal });
    await started.promise;
    controller.abort('user pressed stop');
    await expect(call).rejects.toBeDefined();
    const reason = await aborted.promise;
    expect(reason).toBeInstanceOf(Error);
    expect((reason as Error).message).toMatch(/cancel/i);
    await client.close();
  });

  /** Calls a tool that keeps going after cancellation; resolves once the server finished the request. */
  async function cancelMidCall() {
    const started = deferred();
    const app = createServer({ name: 'cancel', version: '1' }).tool('late', {
      description: 'Reports and answers after being cancelled',
      handler: async (_args, ctx) => {
        started.resolve();
        await untilAborted(ctx.signal).catch(() => undefined);
        ctx.progress(1, 2, 'too late');
        ctx.log('error', 'too late');
        return 'done';
      },
    });
    const server = app.build();
    const client = await createTestClient(server, { era, logLevel: 'debug' });
    const controller = new AbortController();
    const progress: CapturedProgress[] = [];
    const call = client.callTool(
      'late',
      {},
      { signal: controller.signal, onProgress: (p) => progress.push(p) },
    );
    await started.promise;
    const wire = tapInbound(client);
    controller.abort();
    await call.catch(() => undefined);
    // The connection releases a request only after writing whatever it answers; the in-process
    // transport then delivers on the next macrotask.
    await vi.waitFor(() => expect(server.inflight).toBe(0), { interval: 1 });
    await new Promise((resolve) => setImmediate(resolve));
    return { client, wire, progress };
  }

  it('stops a cancelled handler from sending progress or log messages afterwards', async () => {
    const { client, wire, progress } = await cancelMidCall();
    expect(wire.filter((m) => m.method !== undefined)).toEqual([]);
    expect(progress).toEqual([]);
    expect(client.logs).toEqual([]);
    await client.close();
  });

  it('sends no response for a cancelled request', async () => {
    const { client, wire } = await cancelMidCall();
    expect(wire.filter((m) => 'result' in m || 'error' in m)).toEqual([]);
    await client.close();
  });

  it('aborts ctx.signal with a retryable reason when the server shuts down', async () => {
    const started = deferred();
    const app = createServer({ name: 'cancel', version: '1' }).tool('wait', {
      description: 'Waits until the server stops',
      handler: async (_args, ctx) => {
        started.resolve();
        await untilAborted(ctx.signal);
        return 'never';
      },
    });
    const server = app.build();
    const client = await createTestClient(server, { era });
    const call = client.callTool('wait');
    await started.promise;
    expect(server.inflight).toBe(1);
    await server.drain(0);
    const error = expectToolError(await call, 'UPSTREAM_UNAVAILABLE');
    expect(error).toMatchObject({ message: 'The server is shutting down.', retryable: true });
    await client.close();
  });
});

describe.each(eras)('progress (%s era)', (era) => {
  const app = createServer({ name: 'progress', version: '1' }).tool('steps', {
    description: 'Reports progress',
    input: z.object({ steps: z.number().int() }),
    handler: async ({ steps }, ctx) => {
      for (let i = 1; i <= steps; i++) ctx.progress(i, steps, `step ${i}`);
      ctx.progress(steps + 1);
      return 'done';
    },
  });

  it('delivers progress notifications in order before the result', async () => {
    const client = await createTestClient(app, { era });
    const progress: CapturedProgress[] = [];
    const result = await client.callTool('steps', { steps: 3 }, { onProgress: (p) => progress.push(p) });
    expect(resultText(result)).toBe('done');
    expect(progress).toEqual([
      { progress: 1, total: 3, message: 'step 1' },
      { progress: 2, total: 3, message: 'step 2' },
      { progress: 3, total: 3, message: 'step 3' },
      { progress: 4 },
    ]);
    await client.close();
  });

  it('sends nothing when the request carries no progress token', async () => {
    const client = await createTestClient(app, { era });
    const wire = tapInbound(client);
    const result = await client.callTool('steps', { steps: 3 });
    expect(resultText(result)).toBe('done');
    expect(wire.filter((m) => m.method === 'notifications/progress')).toEqual([]);
    expect(wire.filter((m) => m.method !== undefined)).toEqual([]);
    await client.close();
  });

  it('echoes the progress token the request carried', async () => {
    const client = await createTestClient(app, { era });
    const wire = tapInbound(client);
    await client.callTool('steps', { steps: 1 }, { onProgress: () => undefined });
    const tokens = wire
      .filter((m) => m.method === 'notifications/progress')
      .map((m) => m.params?.progressToken);
    expect(tokens).toHaveLength(2);
    expect(tokens[0]).toBeDefined();
    expect(tokens[1]).toBe(tokens[0]);
    await client.close();
  });
});

describe('client logging', () => {
  const levels: readonly LoggingLevel[] = LOGGING_LEVELS;
  const app = createServer({ name: 'logging', version: '1' }).tool('chatty', {
    description: 'Logs at every level',
    handler: (_args, ctx) => {
      for (const level of levels) ctx.log(level, { level }, 'chatty');
      return 'done';
    },
  });

  it('honours the legacy logging/setLevel threshold', async () => {
    const client = await createTestClient(app, { era: 'legacy', logLevel: 'warning' });
    await client.callTool('chatty');
    expect(client.logs.map((l) => l.level)).toEqual(['warning', 'error', 'critical', 'alert', 'emergency']);
    expect(client.logs[0]).toEqual({ level: 'warning', data: { level: 'warning' }, logger: 'chatty' });
    await client.close();
  });

  it('sends every level in the legacy era when the client never set a level', async () => {
    const client = await createTestClient(app, { era: 'legacy' });
    await client.callTool('chatty');
    expect(client.logs.map((l) => l.level)).toEqual(levels);
    await client.close();
  });

  it('applies a new legacy threshold to later calls', async () => {
    const client = await createTestClient(app, { era: 'legacy', logLevel: 'error' });
    await client.callTool('chatty');
    expect(client.logs.map((l) => l.level)).toEqual(['error', 'critical', 'alert', 'emergency']);
    client.logs.length = 0;
    await client.client.setLoggingLevel('debug');
    await client.callTool('chatty');
    expect(client.logs.map((l) => l.level)).toEqual(levels);
    await client.close();
  });

  it('sends nothing in the modern era unless the request asks for logs', async () => {
    const client = await createTestClient(app, { era: 'modern' });
    const wire = tapInbound(client);
    await client.callTool('chatty');
    expect(client.logs).toEqual([]);
    expect(wire.filter((m) => m.method === 'notifications/message')).toEqual([]);
    await client.close();
  });

  it('sends messages at or above the level a modern request asks for', async () => {
    const client = await createTestClient(app, { era: 'modern', logLevel: 'warning' });
    await client.callTool('chatty');
    expect(client.logs.map((l) => l.level)).toEqual(['warning', 'error', 'critical', 'alert', 'emergency']);
    await client.close();
  });

  it('answers a modern-era logging/setLevel with method-not-found', async () => {
    const client = await createTestClient(app, { era: 'modern' });
    const wire = tapInbound(client);
    // The SDK client refuses to send it in this era, so it goes straight onto the transport.
    await client.client.transport!.send({
      jsonrpc: '2.0',
      id: 'set-level-1',
      method: 'logging/setLevel',
      params: {
        level: 'debug',
        _meta: {
          [META.protocolVersion]: '2026-07-28',
          [META.clientCapabilities]: {},
        },
      },
    });
    await vi.waitFor(() => expect(wire.some((m) => m.id === 'set-level-1')).toBe(true));
    expect(wire.find((m) => m.id === 'set-level-1')?.error).toMatchObject({ code: RpcCode.METHOD_NOT_FOUND });
    await client.callTool('chatty');
    expect(client.logs).toEqual([]);
    await client.close();
  });
});

describe.each(eras)('asking the client for input (%s era)', (era) => {
  const app = createServer({ name: 'input', version: '1' })
    .tool('greet', {
      description: 'Asks for a name',
      handler: async (_args, ctx) => {
        const answer = await ctx.elicit(askName);
        if (answer.action !== 'accept') return `no name (${answer.action})`;
        return `Hello, ${String(answer.content?.name)}!`;
      },
    })
    .tool('ask_model', {
      description: 'Asks the model',
      handler: async (_args, ctx) => {
        const answer = await ctx.sample(askModel);
        const content = answer.content as { type: string; text?: string };
        return `model ${answer.model} says ${content.text}`;
      },
    })
    .tool('roots', {
      description: 'Lists roots',
      handler: async (_args, ctx) => {
        const { roots } = await ctx.listRoots();
        return roots.map((r) => r.uri).join(',');
      },
    })
    .tool('interview', {
      description: 'Asks for a name, then the model, then the roots',
      handler: async (_args, ctx) => {
        const name = await ctx.elicit(askName);
        const model = await ctx.sample(askModel);
        const { roots } = await ctx.listRoots();
        return [
          String(name.content?.name),
          (model.content as { text?: string }).text,
          roots.map((r) => r.name).join('+'),
        ].join(' | ');
      },
    })
    .tool('batch', {
      description: 'Asks for several inputs at once',
      handler: async (_args, ctx) => {
        const answers = await ctx.requestInputs({
          who: { method: 'elicitation/create', params: askName },
          capital: { method: 'sampling/createMessage', params: askModel },
          where: { method: 'roots/list' },
        });
        return {
          content: [{ type: 'text', text: 'batch' }],
          structuredContent: answers as Record<string, unknown>,
        };
      },
    });

  const handlers = {
    elicitation: () => ({ action: 'accept' as const, content: { name: 'Ada' } }),
    sampling: () => ({
      role: 'assistant' as const,
      model: 'test-model',
      content: { type: 'text' as const, text: 'Paris' },
    }),
    roots: [
      { uri: 'file:///work', name: 'work' },
      { uri: 'file:///home', name: 'home' },
    ],
  };

  it('answers ctx.elicit through the client elicitation handler', async () => {
    const asked: unknown[] = [];
    const client = await createTestClient(app, {
      era,
      elicitation: (params) => {
        asked.push(params);
        return { action: 'accept', content: { name: 'Ada' } };
      },
    });
    expect(resultText(await client.callTool('greet'))).toBe('Hello, Ada!');
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({
      message: 'What is your name?',
      requestedSchema: askName.requestedSchema,
    });
    await client.close();
  });

  it('passes a declined elicitation back to the handler', async () => {
    const client = await createTestClient(app, { era, elicitation: () => ({ action: 'decline' }) });
    expect(resultText(await client.callTool('greet'))).toBe('no name (decline)');
    await client.close();
  });

  it('answers ctx.sample through the client sampling handler', async () => {
    const asked: unknown[] = [];
    const client = await createTestClient(app, {
      era,
      sampling: (params) => {
        asked.push(params);
        return handlers.sampling();
      },
    });
    expect(resultText(await client.callTool('ask_model'))).toBe('model test-model says Paris');
    expect(asked[0]).toMatchObject({ maxTokens: 50, messages: askModel.messages });
    await client.close();
  });

  it('answers ctx.listRoots with the client roots', async () => {
    const client = await createTestClient(app, { era, roots: handlers.roots });
    expect(resultText(await client.callTool('roots'))).toBe('file:///work,file:///home');
    await client.close();
  });

  it('chains several inputs in one call', async () => {
    const client = await createTestClient(app, { era, ...handlers });
    expect(resultText(await client.callTool('interview'))).toBe('Ada | Paris | work+home');
    await client.close();
  });

  it('answers ctx.requestInputs with every key', async () => {
    const asked: string[] = [];
    const client = await createTestClient(app, {
      era,
      elicitation: () => {
        asked.push('elicitation');
        return handlers.elicitation();
      },
      sampling: () => {
        asked.push('sampling');
        return handlers.sampling();
      },
      roots: () => {
        asked.push('roots');
        return handlers.roots;
      },
    });
    const result = await client.callTool('batch');
    expect(result.structuredContent).toEqual({
      who: { action: 'accept', content: { name: 'Ada' } },
      capital: { role: 'assistant', model: 'test-model', content: { type: 'text', text: 'Paris' } },
      where: { roots: handlers.roots },
    });
    expect(asked.sort()).toEqual(['elicitation', 'roots', 'sampling']);
    await client.close();
  });

  it('refuses a call needing sampling when the client declared other capabilities but not sampling', async () => {
    let asked = false;
    const client = await createTestClient(app, {
      era,
      elicitation: () => {
        asked = true;
        return { action: 'cancel' };
      },
    });
    await expect(client.callTool('ask_model')).rejects.toMatchObject({
      code: RpcCode.MISSING_CLIENT_CAPABILITY,
      data: { requiredCapabilities: { sampling: {} } },
    });
    expect(asked).toBe(false);
    await client.close();
  });
});

describe('asking the client for input, era specifics', () => {
  it('fails with JSON-RPC -32021 in the modern era when the client did not declare sampling', async () => {
    const app = createServer({ name: 'input', version: '1' }).tool('ask_model', {
      description: 'Asks the model',
      handler: async (_args, ctx) => {
        await ctx.sample(askModel);
        return 'unreachable';
      },
    });
    const client = await createTestClient(app, { era: 'modern' });
    await expect(client.callTool('ask_model')).rejects.toMatchObject({
      code: -32021,
      message: expect.stringContaining('"sampling"'),
    });
    await client.close();
  });

  it('goes through input_required rounds in the modern era, re-running the handler with the answers', async () => {
    let runs = 0;
    const app = createServer({ name: 'input', version: '1' }).tool('twice', {
      description: 'Asks twice',
      handler: async (_args, ctx) => {
        runs++;
        const first = await ctx.elicit(askName);
        const second = await ctx.elicit({ ...askName, message: 'And again?' });
        return `${String(first.content?.name)} then ${String(second.content?.name)}`;
      },
    });
    const answers = ['Ada', 'Grace'];
    const messages: string[] = [];
    const client = await createTestClient(app, {
      era: 'modern',
      elicitation: (params) => {
        messages.push(params.message);
        return { action: 'accept', content: { name: answers[messages.length - 1]! } };
      },
    });
    expect(resultText(await client.callTool('twice'))).toBe('Ada then Grace');
    expect(messages).toEqual(['What is your name?', 'And again?']);
    expect(runs).toBe(3);
    await client.close();
  });

  it('sends legacy input requests on the call stream while the handler waits, running it once', async () => {
    let runs = 0;
    const app = createServer({ name: 'input', version: '1' }).tool('once', {
      description: 'Asks once',
      handler: async (_args, ctx) => {
        runs++;
        const answer = await ctx.elicit(askName);
        return String(answer.content?.name);
      },
    });
    const client = await createTestClient(app, {
      era: 'legacy',
      elicitation: () => ({ action: 'accept', content: { name: 'Ada' } }),
    });
    const wire = tapInbound(client);
    expect(resultText(await client.callTool('once'))).toBe('Ada');
    expect(runs).toBe(1);
    expect(wire.filter((m) => m.method === 'elicitation/create')).toHaveLength(1);
    await client.close();
  });

  it('turns a legacy client error answer into an UPSTREAM_ERROR tool result', async () => {
    const app = createServer({ name: 'input', version: '1' }).tool('greet', {
      description: 'Asks for a name',
      handler: async (_args, ctx) => String((await ctx.elicit(askName)).action),
    });
    const client = await createTestClient(app, {
      era: 'legacy',
      elicitation: () => {
        throw new McpkitError('INTERNAL', 'client blew up');
      },
    });
    const error = expectToolError(await client.callTool('greet'), 'UPSTREAM_ERROR');
    expect(error.message).toContain('client blew up');
    await client.close();
  });

  it('does not send a sampling request to a legacy client that initialized without the sampling capability', async () => {
    const app = createServer({ name: 'input', version: '1' }).tool('ask_model', {
      description: 'Asks the model',
      handler: async (_args, ctx) => {
        await ctx.sample(askModel);
        return 'unreachable';
      },
    });
    // The client initializes with `capabilities: {}`: it described itself and declared no sampling.
    const client = await createTestClient(app, { era: 'legacy' });
    const wire = tapInbound(client);
    await expect(client.callTool('ask_model')).rejects.toMatchObject({
      code: RpcCode.MISSING_CLIENT_CAPABILITY,
    });
    expect(wire.filter((m) => m.method === 'sampling/createMessage')).toEqual([]);
    await client.close();
  });
});
