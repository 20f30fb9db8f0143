import { createServer, type HttpCallUsage, type ServeOptions } from '@mcpkit/core';
import { serveForTest, type TestServer } from '@mcpkit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  LEGACY_VERSION,
  legacyHeaders,
  post,
  postLegacy,
  postModern,
  SseReader,
  type WireMessage,
} from './fixtures/http-wire.js';

/** Why each `ask` call ended, as its handler saw it. */
const outcomes: Array<{ code?: string; message: string }> = [];

function buildApp() {
  return createServer({ name: 'stream-limits', version: '1.0.0' }).tool('ask', {
    description: 'Asks the user for a name and waits for the answer',
    handler: async (_args, ctx) => {
      try {
        const answer = await ctx.elicit({
          mode: 'form',
          message: 'What is your name?',
          requestedSchema: { type: 'object', properties: { name: { type: 'string' } } },
        });
        return `Hello, ${String(answer.content?.name)}!`;
      } catch (error) {
        const e = error as { code?: string; message: string };
        outcomes.push({ code: e.code, message: e.message });
        throw error;
      }
    },
  });
}

let server: TestServer | undefined;
const readers: SseReader[] = [];

async function serve(options: ServeOptions): Promise<TestServer> {
  server = await serveForTest(buildApp(), options);
  return server;
}

function read(response: Response): SseReader {
  const reader = new SseReader(response);
  readers.push(reader);
  return reader;
}

afterEach(async () => {
  outcomes.length = 0;
  for (const reader of readers.splice(0)) await reader.cancel();
  await server?.close();
  server = undefined;
});

/** Waits (bounded) until `done()` holds; the assertion after it states the outcome. */
async function until(done: () => boolean, budgetMs = 15_000): Promise<void> {
  const deadline = Date.now() + budgetMs;
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
}

const BASELINE: HttpCallUsage = {
  calls: 0,
  resumableStreams: 0,
  detachedCalls: 0,
  pendingClientRequests: 0,
  openStreams: 0,
};

/** Opens a session whose client declares elicitation; returns its id. */
async function openSession(url: string): Promise<string> {
  const response = await post(
    url,
    {
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: {
        protocolVersion: LEGACY_VERSION,
        capabilities: { elicitation: {} },
        clientInfo: { name: 'stream-limits-test', version: '1.0.0' },
      },
    },
    { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
  );
  await response.text();
  return response.headers.get('mcp-session-id') as string;
}

/** Starts an `ask` call, reads up to its elicitation request, and returns the request and the event id. */
async function startAsk(url: string, id: number, sessionId?: string) {
  const stream = read(await postLegacy(url, id, 'tools/call', { name: 'ask', arguments: {} }, sessionId));
  for (;;) {
    const event = await stream.next();
    if (!event) throw new Error('The stream ended before the elicitation request.');
    if (event.data.trim() === '') continue;
    return { stream, ask: JSON.parse(event.data) as WireMessage, eventId: event.id as string };
  }
}

describe('calls whose client went away', () => {
  it('cancels abandoned resumable calls after the reconnect window and releases everything they held', async () => {
    const abandoned = 200;
    // Room for every abandoned call at once: whether the batches overlap within one window depends on
    // machine speed, and the per-caller cap has tests of its own (here and in detached-calls.test.ts).
    const test = await serve({
      streamLimits: { reconnectWindowMs: 200, maxDetachedPerCaller: abandoned, maxDetached: abandoned },
    });
    for (let batch = 0; batch < abandoned; batch += 50) {
      await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          const { stream } = await startAsk(test.url, batch + i);
          await stream.cancel();
        }),
      );
    }
    await until(() => outcomes.length === abandoned && test.handle.usage().calls === 0);
    expect(outcomes).toHaveLength(abandoned);
    expect(new Set(outcomes.map((o) => o.code))).toEqual(new Set(['UPSTREAM_TIMEOUT']));
    expect(outcomes[0]?.message).toMatch(/did not reconnect within 200 ms/);
    expect(test.handle.usage()).toEqual(BASELINE);
  });

  it('lets a client that reconnects within the window answer and receive the rest of its stream', async () => {
    const test = await serve({ streamLimits: { reconnectWindowMs: 10_000 } });
    const { stream, ask, eventId } = await startAsk(test.url, 7);
    await stream.cancel();
    await until(() => test.handle.usage().detachedCalls === 1);
    expect(test.handle.usage().detachedCalls).toBe(1);
    const resumed = await fetch(test.url, {
      headers: {
        accept: 'text/event-stream',
        'last-event-id': eventId,
        'mcp-protocol-version': LEGACY_VERSION,
      },
    });
    expect(resumed.status).toBe(200);
    const rest = read(resumed);
    expect(test.handle.usage().detachedCalls).toBe(0);
    const answered = await post(
      test.url,
      { jsonrpc: '2.0', id: ask.id, result: { action: 'accept', content: { name: 'Ada' } } },
      legacyHeaders(),
    );
    expect(answered.status).toBe(202);
    expect(await rest.nextMessage()).toMatchObject({
      id: 7,
      result: { content: [{ type: 'text', text: 'Hello, Ada!' }] },
    });
    await until(() => test.handle.usage().calls === 0);
    expect(test.handle.usage()).toEqual(BASELINE);
  });

  it('cancels the oldest detached calls of a session past maxDetachedPerSession', async () => {
    const test = await serve({
      sessions: true,
      streamLimits: { reconnectWindowMs: 60_000, maxDetachedPerSession: 3 },
    });
    const sessionId = await openSession(test.url);
    for (let id = 1; id <= 5; id++) {
      const { stream } = await startAsk(test.url, id, sessionId);
      await stream.cancel();
      await until(() => test.handle.usage().detachedCalls + outcomes.length === id);
    }
    await until(() => outcomes.length === 2);
    expect(outcomes.map((o) => o.code)).toEqual(['RATE_LIMITED', 'RATE_LIMITED']);
    expect(test.handle.usage().detachedCalls).toBe(3);
  });

  it('fails an elicitation the client never answers with UPSTREAM_TIMEOUT after clientRequestTimeoutMs', async () => {
    const test = await serve({ streamLimits: { clientRequestTimeoutMs: 100 } });
    const { stream } = await startAsk(test.url, 3);
    const final = await stream.nextMessage(5_000);
    expect(final).toMatchObject({
      id: 3,
      result: { isError: true, structuredContent: { error: { code: 'UPSTREAM_TIMEOUT', retryable: true } } },
    });
    expect(test.handle.usage()).toEqual(BASELINE);
  });
});

describe('long-lived stream caps', () => {
  const listen = (url: string, id: number, forwardedFor: string) =>
    postModern(
      url,
      id,
      'subscriptions/listen',
      { notifications: { toolsListChanged: true } },
      { headers: { 'x-forwarded-for': forwardedFor } },
    );

  it('refuses a caller past maxStreamsPerCaller with 429 and Retry-After while health keeps answering', async () => {
    const test = await serve({ trustProxy: 1, streamLimits: { maxStreamsPerCaller: 20 } });
    const held: SseReader[] = [];
    for (let id = 1; id <= 20; id++) {
      const response = await listen(test.url, id, '198.51.100.7');
      expect(response.status).toBe(200);
      const stream = read(response);
      await stream.nextMessage();
      held.push(stream);
    }
    const refused = await listen(test.url, 21, '198.51.100.7');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('5');
    const body = (await refused.json()) as WireMessage;
    expect(body).toMatchObject({ id: 21, error: { data: { code: 'RATE_LIMITED', retryable: true } } });
    expect((await fetch(`${test.origin}/healthz`)).status).toBe(200);
    expect((await listen(test.url, 22, '198.51.100.8')).status).toBe(200);
    await held[0]?.cancel();
    await until(() => test.handle.usage().openStreams === 20);
    expect((await listen(test.url, 23, '198.51.100.7')).status).toBe(200);
  });

  it('refuses any caller past maxStreams with 503 and recovers when streams close', async () => {
    const test = await serve({ trustProxy: 1, streamLimits: { maxStreams: 5, maxStreamsPerCaller: 3 } });
    const held: SseReader[] = [];
    for (let id = 1; id <= 5; id++) {
      const response = await listen(test.url, id, `203.0.113.${id <= 3 ? 1 : 2}`);
      expect(response.status).toBe(200);
      held.push(read(response));
    }
    const refused = await listen(test.url, 6, '203.0.113.3');
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(await refused.json()).toMatchObject({ error: { data: { code: 'UPSTREAM_UNAVAILABLE' } } });
    expect((await fetch(`${test.origin}/readyz`)).status).toBe(200);
    for (const stream of held) await stream.cancel();
    await until(() => test.handle.usage().openStreams === 0);
    expect((await listen(test.url, 7, '203.0.113.3')).status).toBe(200);
  });

  it('counts callers with no known address (behind .fetchHandler()) only towards maxStreams', async () => {
    const handler = buildApp().fetchHandler({ streamLimits: { maxStreams: 3, maxStreamsPerCaller: 1 } });
    const body = (id: number) =>
      JSON.stringify({
        jsonrpc: '2.0',
        id,
        method: 'subscriptions/listen',
        params: {
          notifications: { toolsListChanged: true },
          _meta: {
            'io.modelcontextprotocol/protocolVersion': '2026-07-28',
            'io.modelcontextprotocol/clientCapabilities': {},
          },
        },
      });
    const open = (id: number) =>
      handler(
        new Request('http://127.0.0.1/mcp', {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            'mcp-protocol-version': '2026-07-28',
            'mcp-method': 'subscriptions/listen',
          },
          body: body(id),
        }),
      );
    const statuses = [];
    const bodies: Array<ReadableStream<Uint8Array> | null> = [];
    for (let id = 1; id <= 4; id++) {
      const response = await open(id);
      statuses.push(response.status);
      bodies.push(response.body);
    }
    expect(statuses).toEqual([200, 200, 200, 503]);
    expect(handler.usage().openStreams).toBe(3);
    for (const stream of bodies) await stream?.cancel();
    expect(handler.usage().openStreams).toBe(0);
  });
});
