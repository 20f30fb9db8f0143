import { createServer, jsonSchema, META, type ServeOptions } from '@mcpkit/core';
import {
  connectTestClient,
  resultText,
  serveForTest,
  type TestClient,
  type TestClientOptions,
  type TestServer,
} from '@mcpkit/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as z from 'zod';
import {
  LEGACY_VERSION,
  legacyHeaders,
  messagesOf,
  post,
  postInitialize,
  postLegacy,
  postModern,
  SseReader,
  type WireMessage,
} from './fixtures/http-wire.js';

const eras = ['modern', 'legacy'] as const;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Abort reasons seen by the `wait` tool. */
const cancelled: unknown[] = [];

/** A fresh server definition per test: tools, a resource, a template, a prompt. */
function buildApp() {
  return createServer({ name: 'http-eras', version: '1.2.3' })
    .tool('add', {
      description: 'Adds two numbers',
      input: z.object({ a: z.number(), b: z.number() }),
      output: z.object({ sum: z.number() }),
      handler: ({ a, b }) => ({ sum: a + b }),
    })
    .tool('count', {
      description: 'Reports progress twice, then answers',
      handler: async (_args, ctx) => {
        ctx.progress(1, 2, 'half');
        ctx.progress(2, 2, 'all');
        return 'counted';
      },
    })
    .tool('greet', {
      description: 'Asks the user for a name',
      handler: async (_args, ctx) => {
        const answer = await ctx.elicit({
          mode: 'form',
          message: 'What is your name?',
          requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
        });
        return answer.action === 'accept' ? `Hello, ${String(answer.content?.name)}!` : 'Hello, stranger.';
      },
    })
    .tool('poll', {
      description: 'Drops its stream connection, then answers a little later',
      handler: async (_args, ctx) => {
        const closed = ctx.closeStream();
        await sleep(50);
        return `polled (stream closed early: ${closed})`;
      },
    })
    .tool('regional', {
      description: 'Answers with the region it was routed to (the region travels in a header too)',
      input: jsonSchema({
        type: 'object',
        properties: { region: { type: 'string', 'x-mcp-header': 'Region' } },
      }),
      handler: (args) => `region=${String(args.region)}`,
    })
    .tool('wait', {
      description: 'Waits until the call is cancelled',
      handler: async (_args, ctx) => {
        const reason = await new Promise((resolve) =>
          ctx.signal.addEventListener('abort', () => resolve(ctx.signal.reason), { once: true }),
        );
        cancelled.push(reason);
        return 'cancelled';
      },
    })
    .resource('memo://greeting', {
      name: 'greeting',
      mimeType: 'text/plain',
      read: () => 'hello from a resource',
    })
    .resource('notes://{id}', {
      name: 'note',
      mimeType: 'text/plain',
      read: (_uri, { id }) => `note number ${id}`,
    })
    .prompt('review', {
      description: 'Asks for a review of a topic',
      args: z.object({ topic: z.string() }),
      get: ({ topic }) => `Please review ${topic}.`,
    });
}

let server: TestServer | undefined;
let clients: TestClient[] = [];
const readers: SseReader[] = [];

async function serve(options: ServeOptions = {}): Promise<TestServer> {
  server = await serveForTest(buildApp(), options);
  return server;
}

async function connect(url: string, options: TestClientOptions): Promise<TestClient> {
  const client = await connectTestClient(url, options);
  clients.push(client);
  return client;
}

function read(response: Response): SseReader {
  const reader = new SseReader(response);
  readers.push(reader);
  return reader;
}

afterEach(async () => {
  cancelled.length = 0;
  vi.unstubAllGlobals();
  for (const reader of readers.splice(0)) await reader.cancel();
  for (const client of clients) await client.close().catch(() => {});
  clients = [];
  await server?.close();
  server = undefined;
});

describe.each(eras)('Streamable HTTP through the SDK client (%s era)', (era) => {
  it('lists and calls tools, returning structured content', async () => {
    const { url } = await serve();
    const client = await connect(url, { era });
    expect(client.era).toBe(era);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['add', 'count', 'greet', 'poll', 'regional', 'wait']);
    const result = await client.callTool('add', { a: 2, b: 40 });
    expect(result.structuredContent).toEqual({ sum: 42 });
    expect(JSON.parse(resultText(result))).toEqual({ sum: 42 });
  });

  it('lists and reads static and templated resources', async () => {
    const { url } = await serve();
    const client = await connect(url, { era });
    const { resources } = await client.listResources();
    expect(resources).toEqual([expect.objectContaining({ uri: 'memo://greeting', name: 'greeting' })]);
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates).toEqual([expect.objectContaining({ uriTemplate: 'notes://{id}' })]);
    const memo = await client.readResource('memo://greeting');
    expect(memo.contents).toEqual([
      expect.objectContaining({ uri: 'memo://greeting', text: 'hello from a resource' }),
    ]);
    const note = await client.readResource('notes://7');
    expect(note.contents).toEqual([expect.objectContaining({ uri: 'notes://7', text: 'note number 7' })]);
  });

  it('reads a templated resource whose URI has non-ASCII characters', async () => {
    const { url } = await serve();
    const client = await connect(url, { era });
    const note = await client.readResource('notes://café');
    expect(note.contents).toEqual([
      expect.objectContaining({ uri: 'notes://café', text: 'note number café' }),
    ]);
  });

  it('calls a tool whose x-mcp-header argument is not ASCII (the SDK sends it Base64-encoded)', async () => {
    const { url } = await serve();
    const client = await connect(url, { era });
    await client.listTools(); // the SDK derives Mcp-Param headers from its tools/list cache
    expect(resultText(await client.callTool('regional', { region: 'Zürich' }))).toBe('region=Zürich');
  });

  it('lists prompts and renders one with its arguments', async () => {
    const { url } = await serve();
    const client = await connect(url, { era });
    const { prompts } = await client.listPrompts();
    expect(prompts).toEqual([
      expect.objectContaining({ name: 'review', arguments: [expect.objectContaining({ name: 'topic' })] }),
    ]);
    const prompt = await client.getPrompt('review', { topic: 'the HTTP edge' });
    expect(prompt.messages).toEqual([
      { role: 'user', content: { type: 'text', text: 'Please review the HTTP edge.' } },
    ]);
  });

  it('delivers progress notifications before the result of the call', async () => {
    const { url } = await serve();
    const client = await connect(url, { era });
    const progress: Array<{ progress: number; total?: number; message?: string }> = [];
    const result = await client.callTool('count', {}, { onProgress: (p) => progress.push(p) });
    expect(resultText(result)).toBe('counted');
    expect(progress).toEqual([
      { progress: 1, total: 2, message: 'half' },
      { progress: 2, total: 2, message: 'all' },
    ]);
  });

  it('aborts ctx.signal when the client gives up on a call', async () => {
    const { url } = await serve();
    const client = await connect(url, { era });
    await expect(client.callTool('wait', {}, { timeoutMs: 100 })).rejects.toThrow();
    const deadline = Date.now() + 1_000;
    while (cancelled.length === 0 && Date.now() < deadline) await sleep(10);
    expect(cancelled).toHaveLength(1);
  });

  it('asks the client for input mid-call and finishes with the answer', async () => {
    const { url } = await serve();
    const asked: string[] = [];
    const client = await connect(url, {
      era,
      elicitation: (params) => {
        asked.push(params.message);
        return { action: 'accept', content: { name: 'Ada' } };
      },
    });
    const result = await client.callTool('greet');
    expect(resultText(result)).toBe('Hello, Ada!');
    expect(asked).toEqual(['What is your name?']);
  });
});

describe('streams on the wire', () => {
  it('upgrades a modern call that reports progress to an event stream on its own POST', async () => {
    const { url } = await serve();
    const streamed = await postModern(url, 11, 'tools/call', {
      name: 'count',
      arguments: {},
      _meta: { progressToken: 'tok' },
    });
    expect(streamed.status).toBe(200);
    expect(streamed.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = await read(streamed).rest();
    // Modern streams are not resumable: no priming event, no event ids.
    expect(events.every((e) => e.id === undefined && e.data !== '')).toBe(true);
    expect(messagesOf(events)).toEqual([
      {
        jsonrpc: '2.0',
        method: 'notifications/progress',
        params: { progressToken: 'tok', progress: 1, total: 2, message: 'half' },
      },
      {
        jsonrpc: '2.0',
        method: 'notifications/progress',
        params: { progressToken: 'tok', progress: 2, total: 2, message: 'all' },
      },
      expect.objectContaining({ id: 11, result: expect.objectContaining({ resultType: 'complete' }) }),
    ]);
  });

  it('answers a modern call that sends nothing else first with a plain JSON response', async () => {
    const { url } = await serve();
    const response = await postModern(url, 12, 'tools/call', { name: 'add', arguments: { a: 1, b: 2 } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toMatchObject({
      jsonrpc: '2.0',
      id: 12,
      result: { structuredContent: { sum: 3 }, resultType: 'complete' },
    });
  });

  it('primes a legacy event stream with an event id and retry delay before the progress notifications', async () => {
    const { url } = await serve({ retryMs: 250 });
    const response = await postLegacy(url, 13, 'tools/call', {
      name: 'count',
      arguments: {},
      _meta: { progressToken: 7 },
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = await read(response).rest();
    expect(events[0]).toEqual({ id: expect.any(String), retry: 250, data: '' });
    expect(events.slice(1).every((e) => typeof e.id === 'string' && e.id !== '')).toBe(true);
    expect(messagesOf(events).map((m) => m.method ?? `response ${m.id}`)).toEqual([
      'notifications/progress',
      'notifications/progress',
      'response 13',
    ]);
  });

  it('sends a legacy elicitation request on the call stream and takes the answer from a separate POST', async () => {
    const { url } = await serve();
    const response = await postLegacy(url, 14, 'tools/call', { name: 'greet', arguments: {} });
    const stream = read(response);
    const ask = await stream.nextMessage();
    expect(ask).toMatchObject({
      jsonrpc: '2.0',
      method: 'elicitation/create',
      params: { message: 'What is your name?' },
    });
    expect(ask?.id).toBeDefined();
    const answer = await post(
      url,
      { jsonrpc: '2.0', id: ask?.id, result: { action: 'accept', content: { name: 'Grace' } } },
      legacyHeaders(),
    );
    expect(answer.status).toBe(202);
    expect(await answer.text()).toBe('');
    const final = await stream.nextMessage();
    expect(final).toMatchObject({
      id: 14,
      result: { content: [{ type: 'text', text: 'Hello, Grace!' }] },
    });
    expect(await stream.nextMessage()).toBeUndefined();
  });

  it('answers a modern elicitation with input_required and finishes when the retry carries the answer', async () => {
    const { url } = await serve();
    const capabilities = { elicitation: {} };
    const first = await postModern(url, 15, 'tools/call', { name: 'greet', arguments: {} }, { capabilities });
    expect(first.status).toBe(200);
    const round1 = (await first.json()) as WireMessage;
    expect(round1).toMatchObject({
      id: 15,
      result: {
        resultType: 'input_required',
        inputRequests: {
          'elicitation-0': { method: 'elicitation/create', params: { message: 'What is your name?' } },
        },
        requestState: expect.any(String),
      },
    });
    const second = await postModern(
      url,
      16,
      'tools/call',
      {
        name: 'greet',
        arguments: {},
        inputResponses: { 'elicitation-0': { action: 'accept', content: { name: 'Lin' } } },
        requestState: round1.result?.requestState,
      },
      { capabilities },
    );
    expect(await second.json()).toMatchObject({
      id: 16,
      result: { resultType: 'complete', content: [{ type: 'text', text: 'Hello, Lin!' }] },
    });
  });
});

describe('legacy sessions', () => {
  it('is stateless by default: initialize returns no session id and GET/DELETE are refused with 405', async () => {
    const { url } = await serve();
    const init = await postInitialize(url);
    expect(init.status).toBe(200);
    expect(init.headers.get('mcp-session-id')).toBeNull();
    expect(await init.json()).toMatchObject({ id: 0, result: { protocolVersion: LEGACY_VERSION } });
    const list = await postLegacy(url, 1, 'tools/list');
    expect(list.status).toBe(200);
    expect(((await list.json()) as WireMessage).result?.tools).toHaveLength(6);
    const get = await fetch(url, { headers: { accept: 'text/event-stream' } });
    expect(get.status).toBe(405);
    expect(await get.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32600 } });
    const del = await fetch(url, { method: 'DELETE' });
    expect(del.status).toBe(405);
    await del.body?.cancel();
  });

  it('issues a visible-ASCII Mcp-Session-Id on initialize and echoes it on later responses', async () => {
    const { url } = await serve({ sessions: true });
    const init = await postInitialize(url);
    const sessionId = init.headers.get('mcp-session-id');
    await init.body?.cancel();
    expect(sessionId).toMatch(/^[\x21-\x7E]+$/);
    const list = await postLegacy(url, 1, 'tools/list', {}, sessionId ?? undefined);
    expect(list.status).toBe(200);
    expect(list.headers.get('mcp-session-id')).toBe(sessionId);
    expect(((await list.json()) as WireMessage).result?.tools).toHaveLength(6);
  });

  it('refuses a non-initialize request without a session id with 400', async () => {
    const { url } = await serve({ sessions: true });
    const response = await postLegacy(url, 2, 'tools/list');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ jsonrpc: '2.0', id: 2, error: { code: -32600 } });
  });

  it('refuses a standalone GET without a session id (400) or with an unknown one (404)', async () => {
    const { url } = await serve({ sessions: true });
    const missing = await fetch(url, { headers: { accept: 'text/event-stream' } });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32600 } });
    const unknown = await fetch(url, {
      headers: { accept: 'text/event-stream', 'mcp-session-id': 'no-such-session' },
    });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32600 } });
  });

  it('closes the standalone GET stream of a session when the session is deleted', async () => {
    const { url } = await serve({ sessions: true });
    const init = await postInitialize(url);
    const sessionId = init.headers.get('mcp-session-id') as string;
    await init.body?.cancel();
    const get = await fetch(url, { headers: { accept: 'text/event-stream', 'mcp-session-id': sessionId } });
    expect(get.status).toBe(200);
    expect(get.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const stream = read(get);
    const del = await fetch(url, { method: 'DELETE', headers: { 'mcp-session-id': sessionId } });
    expect(del.status).toBe(200);
    await del.body?.cancel();
    expect(await stream.next(1_000)).toBeUndefined();
  });

  it('ends a session on DELETE; later requests with its id get 404', async () => {
    const { url } = await serve({ sessions: true });
    const init = await postInitialize(url);
    const sessionId = init.headers.get('mcp-session-id') as string;
    await init.body?.cancel();
    const del = await fetch(url, {
      method: 'DELETE',
      headers: { 'mcp-session-id': sessionId, 'mcp-protocol-version': LEGACY_VERSION },
    });
    expect(del.status).toBe(200);
    await del.body?.cancel();
    const after = await postLegacy(url, 3, 'tools/list', {}, sessionId);
    expect(after.status).toBe(404);
    expect(await after.json()).toMatchObject({ jsonrpc: '2.0', id: 3, error: { code: -32600 } });
    const again = await fetch(url, { method: 'DELETE', headers: { 'mcp-session-id': sessionId } });
    expect(again.status).toBe(404);
    await again.body?.cancel();
  });

  it('serves the SDK client inside a session and pushes list changes on its standalone GET stream', async () => {
    const test = await serve({ sessions: true });
    const client = await connect(test.url, { era: 'legacy' });
    expect(resultText(await client.callTool('add', { a: 1, b: 1 }))).toBe('{"sum":2}');
    // The client opens its GET stream asynchronously after `initialized`: announce until it lands.
    const deadline = Date.now() + 2_000;
    while (client.notifications.length === 0 && Date.now() < deadline) {
      test.server.notifyToolsChanged();
      await sleep(20);
    }
    expect(client.notifications[0]).toEqual({ method: 'notifications/tools/list_changed' });
  });
});

describe('resumable legacy streams', () => {
  it('lets the SDK client reconnect with Last-Event-ID and still get the result after ctx.closeStream()', async () => {
    const { url } = await serve({ sessions: true, retryMs: 20 });
    const realFetch = globalThis.fetch;
    const resumptions: string[] = [];
    // Watch the SDK transport's requests (it calls the global fetch) without changing them.
    vi.stubGlobal('fetch', (input: string | URL | Request, init?: RequestInit) => {
      const lastEventId = new Headers(init?.headers).get('last-event-id');
      if (init?.method === 'GET' && lastEventId) resumptions.push(lastEventId);
      return realFetch(input, init);
    });
    const client = await connect(url, { era: 'legacy' });
    const result = await client.callTool('poll', {}, { timeoutMs: 5_000 });
    expect(resultText(result)).toBe('polled (stream closed early: true)');
    expect(resumptions).toHaveLength(1);
  });

  it('ends the POST stream after the priming event and picks it up live on a GET with Last-Event-ID', async () => {
    const { url } = await serve({ retryMs: 20 });
    const response = await postLegacy(url, 21, 'tools/call', { name: 'poll', arguments: {} });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = await read(response).rest();
    expect(events).toEqual([{ id: expect.any(String), retry: 20, data: '' }]);
    const resumed = await fetch(url, {
      headers: {
        accept: 'text/event-stream',
        'last-event-id': events[0]?.id as string,
        'mcp-protocol-version': LEGACY_VERSION,
      },
    });
    expect(resumed.status).toBe(200);
    expect(resumed.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const replayed = messagesOf(await read(resumed).rest());
    expect(replayed).toEqual([
      expect.objectContaining({
        id: 21,
        result: expect.objectContaining({
          content: [{ type: 'text', text: 'polled (stream closed early: true)' }],
        }),
      }),
    ]);
  });

  it('replays a finished stream from the event store on a later GET with Last-Event-ID', async () => {
    const { url } = await serve({ sessions: true, retryMs: 20 });
    const init = await postInitialize(url);
    const sessionId = init.headers.get('mcp-session-id') as string;
    await init.body?.cancel();
    const response = await postLegacy(url, 22, 'tools/call', { name: 'poll', arguments: {} }, sessionId);
    const [priming] = await read(response).rest();
    await sleep(150); // the tool answers after 50 ms: the stream is finished by now
    const resumed = await fetch(url, {
      headers: {
        accept: 'text/event-stream',
        'last-event-id': priming?.id as string,
        'mcp-session-id': sessionId,
        'mcp-protocol-version': LEGACY_VERSION,
      },
    });
    expect(resumed.status).toBe(200);
    const events = await read(resumed).rest();
    expect(events.every((e) => e.id !== undefined && e.id !== priming?.id)).toBe(true);
    expect(messagesOf(events)).toEqual([
      expect.objectContaining({
        id: 22,
        result: expect.objectContaining({
          content: [{ type: 'text', text: 'polled (stream closed early: true)' }],
        }),
      }),
    ]);
  });

  it('answers a GET with an unknown Last-Event-ID with 404', async () => {
    const { url } = await serve();
    const response = await fetch(url, {
      headers: { accept: 'text/event-stream', 'last-event-id': 'nope_3' },
    });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32600 } });
  });

  it('keeps a modern stream attached: ctx.closeStream() is a no-op and the result arrives on the POST', async () => {
    const { url } = await serve();
    const response = await postModern(url, 23, 'tools/call', { name: 'poll', arguments: {} });
    expect(await response.json()).toMatchObject({
      id: 23,
      result: { content: [{ type: 'text', text: 'polled (stream closed early: false)' }] },
    });
  });
});

describe('modern subscriptions/listen', () => {
  async function listen(url: string, id: number, notifications: Record<string, unknown>) {
    const response = await postModern(url, id, 'subscriptions/listen', { notifications });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    return read(response);
  }

  it('acknowledges first, tagged with the subscription id, then delivers tagged tool list changes', async () => {
    const test = await serve();
    const stream = await listen(test.url, 4242, { toolsListChanged: true });
    const ack = await stream.nextMessage();
    expect(ack).toEqual({
      jsonrpc: '2.0',
      method: 'notifications/subscriptions/acknowledged',
      params: { notifications: { toolsListChanged: true }, _meta: { [META.subscriptionId]: 4242 } },
    });
    test.server.notifyToolsChanged();
    expect(await stream.nextMessage(1_000)).toEqual({
      jsonrpc: '2.0',
      method: 'notifications/tools/list_changed',
      params: { _meta: { [META.subscriptionId]: 4242 } },
    });
  });

  it('never sends a tools change to a stream that asked only for prompt changes', async () => {
    const test = await serve();
    const stream = await listen(test.url, 77, { promptsListChanged: true });
    const ack = await stream.nextMessage();
    expect(ack?.params).toEqual({
      notifications: { promptsListChanged: true },
      _meta: { [META.subscriptionId]: 77 },
    });
    test.server.notifyToolsChanged();
    test.server.notifyToolsChanged();
    test.server.notifyPromptsChanged();
    // Events arrive in order: had a tools change been sent, it would come before this one.
    expect(await stream.nextMessage(1_000)).toEqual({
      jsonrpc: '2.0',
      method: 'notifications/prompts/list_changed',
      params: { _meta: { [META.subscriptionId]: 77 } },
    });
  });

  it('releases a listen stream when the client goes away', async () => {
    const test = await serve();
    const stream = await listen(test.url, 5, { toolsListChanged: true });
    await stream.nextMessage();
    expect(test.server.inflight).toBe(1);
    await stream.cancel();
    const deadline = Date.now() + 1_000;
    while (test.server.inflight > 0 && Date.now() < deadline) await sleep(10);
    expect(test.server.inflight).toBe(0);
    test.server.notifyToolsChanged(); // nobody listens any more: must not throw or write to a dead stream
    await expect(postModern(test.url, 6, 'tools/list').then((r) => r.status)).resolves.toBe(200);
  });

  it('keeps serving other requests while listen streams are open', async () => {
    const test = await serve();
    const first = await listen(test.url, 1, { toolsListChanged: true });
    const second = await listen(test.url, 2, { resourcesListChanged: true });
    await first.nextMessage();
    await second.nextMessage();
    const call = await postModern(test.url, 1, 'tools/call', { name: 'add', arguments: { a: 3, b: 4 } });
    expect(await call.json()).toMatchObject({ id: 1, result: { structuredContent: { sum: 7 } } });
    test.server.notifyResourcesChanged();
    expect(await second.nextMessage(1_000)).toMatchObject({
      method: 'notifications/resources/list_changed',
      params: { _meta: { [META.subscriptionId]: 2 } },
    });
  });
});

describe.each(eras)('web-standard fetch handler driven by the SDK client (%s era)', (era) => {
  function routeFetchTo(handler: (request: Request) => Promise<Response>): Request[] {
    const seen: Request[] = [];
    // connectTestClient has no `fetch` option; the SDK transport falls back to the global fetch at call time.
    vi.stubGlobal('fetch', async (input: string | URL | Request, init?: RequestInit) => {
      const request = new Request(input, init);
      seen.push(request);
      return handler(request);
    });
    return seen;
  }

  it('serves tools, resources and prompts from builder.fetchHandler()', async () => {
    const seen = routeFetchTo(buildApp().fetchHandler());
    const client = await connect('http://127.0.0.1/mcp', { era });
    expect(client.era).toBe(era);
    expect((await client.listTools()).tools).toHaveLength(6);
    expect((await client.callTool('add', { a: 20, b: 22 })).structuredContent).toEqual({ sum: 42 });
    expect((await client.readResource('memo://greeting')).contents[0]).toMatchObject({
      text: 'hello from a resource',
    });
    expect((await client.getPrompt('review', { topic: 'fetch' })).messages).toHaveLength(1);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((r) => new URL(r.url).pathname === '/mcp')).toBe(true);
  });

  it('streams progress and elicitation through server.fetchHandler()', async () => {
    routeFetchTo(buildApp().build().fetchHandler());
    const client = await connect('http://127.0.0.1/mcp', {
      era,
      elicitation: () => ({ action: 'accept', content: { name: 'Edsger' } }),
    });
    const progress: number[] = [];
    const counted = await client.callTool('count', {}, { onProgress: (p) => progress.push(p.progress) });
    expect(resultText(counted)).toBe('counted');
    expect(progress).toEqual([1, 2]);
    expect(resultText(await client.callTool('greet'))).toBe('Hello, Edsger!');
  });
});
