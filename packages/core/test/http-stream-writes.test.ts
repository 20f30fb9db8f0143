import type { Socket } from 'node:net';
import { createMemoryEventStore, createServer } from '@mcpkit/core';
import { serveForTest, type TestServer } from '@mcpkit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import {
  LEGACY_VERSION,
  legacyHeaders,
  post,
  postLegacy,
  postModern,
  SseReader,
} from './fixtures/http-wire.js';

/** Counts the flushes of every socket the server accepts (each is one write or writev syscall). */
function countWrites(server: TestServer): { readonly count: number } {
  const counter = { count: 0 };
  server.handle.server.on('connection', (socket: Socket) => {
    const s = socket as unknown as Record<string, (...args: unknown[]) => unknown>;
    for (const method of ['_write', '_writev'] as const) {
      const original = s[method] as (...args: unknown[]) => unknown;
      s[method] = function (this: unknown, ...args: unknown[]) {
        counter.count++;
        return original.apply(this, args);
      };
    }
  });
  return counter;
}

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function progressServer(release?: Promise<void>) {
  return createServer({ name: 'stream-writes', version: '1.0.0' })
    .tool('progress', {
      description: 'Reports progress three times, then answers',
      input: z.object({}),
      handler: (_args, ctx) => {
        for (let step = 1; step <= 3; step++) ctx.progress(step, 3);
        return 'done';
      },
    })
    .tool('slow', {
      description: 'Reports progress, then waits to be released',
      input: z.object({}),
      handler: async (_args, ctx) => {
        ctx.progress(1, 2);
        await release;
        ctx.progress(2, 2);
        return 'late';
      },
    });
}

describe('event streams on node:http', () => {
  for (const [era, batchResponses] of [
    ['modern', true],
    ['legacy', true],
    ['modern', false],
    ['legacy', false],
  ] as const) {
    it(`sends a stream that ends within its turn in one write (${era}, batchResponses ${batchResponses})`, async () => {
      server = await serveForTest(progressServer(), { batchResponses });
      const writes = countWrites(server);
      const params = { name: 'progress', arguments: {}, _meta: { progressToken: 'p' } };
      const response =
        era === 'modern'
          ? await postModern(server.url, 1, 'tools/call', params)
          : await postLegacy(server.url, 1, 'tools/call', params);
      expect(response.headers.get('content-type')).toBe('text/event-stream');
      const text = await response.text();
      expect(text.match(/notifications\/progress/g)).toHaveLength(3);
      expect(text).toContain('"text":"done"');
      expect(writes.count).toBe(1);
    });
  }

  it('sends the first event of a long-running stream before the handler finishes', async () => {
    let open!: () => void;
    const release = new Promise<void>((resolve) => {
      open = resolve;
    });
    server = await serveForTest(progressServer(release));
    const params = { name: 'slow', arguments: {}, _meta: { progressToken: 's' } };
    const response = await postModern(server.url, 1, 'tools/call', params);
    // The head and the first event arrive while the handler is still waiting.
    expect(response.status).toBe(200);
    const reader = new SseReader(response);
    const first = await reader.nextMessage();
    expect(first?.method).toBe('notifications/progress');
    expect(first?.params?.progress).toBe(1);
    open();
    const second = await reader.nextMessage();
    expect(second?.params?.progress).toBe(2);
    const final = await reader.nextMessage();
    expect(final?.result?.content).toEqual([{ type: 'text', text: 'late' }]);
  });
});

describe('resumable legacy streams that reached their client', () => {
  it('are dropped from the event store once the connection carries the next request', async () => {
    const eventStore = createMemoryEventStore();
    server = await serveForTest(progressServer(), { eventStore });
    const params = { name: 'progress', arguments: {}, _meta: { progressToken: 'p' } };
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const response = await postLegacy(server.url, i, 'tools/call', params);
      const reader = new SseReader(response);
      const priming = await reader.next();
      expect(priming).toMatchObject({ data: '', retry: 1_000 });
      ids.push(priming?.id as string);
      while (await reader.next()) {}
    }
    // What stays is at most the last stream of each kept-alive connection (fetch opens one or two).
    const usage = eventStore.usage();
    expect(usage.streams).toBeLessThanOrEqual(2);
    expect(usage.finished).toBe(usage.streams);
    // Every stream had its own id, and nothing is left to resume.
    expect(new Set(ids.map((id) => id.slice(0, id.lastIndexOf('_')))).size).toBe(20);
    const resumed = await fetch(server.url, {
      headers: {
        accept: 'text/event-stream',
        'last-event-id': ids[0] as string,
        'mcp-protocol-version': LEGACY_VERSION,
      },
    });
    expect(resumed.status).toBe(404);
    await resumed.body?.cancel();
  });

  it('are kept while the call runs, so a client that drops mid-stream can resume', async () => {
    let open!: () => void;
    const release = new Promise<void>((resolve) => {
      open = resolve;
    });
    const eventStore = createMemoryEventStore();
    server = await serveForTest(progressServer(release), { eventStore });
    const controller = new AbortController();
    const params = { name: 'slow', arguments: {}, _meta: { progressToken: 's' } };
    const message = { jsonrpc: '2.0', id: 7, method: 'tools/call', params };
    const response = await post(server.url, message, legacyHeaders(), controller.signal);
    const reader = new SseReader(response);
    const priming = await reader.next();
    const first = await reader.next();
    expect(JSON.parse(first?.data ?? '{}').params?.progress).toBe(1);
    controller.abort();
    expect(eventStore.usage().streams).toBe(1);
    open();
    const resumed = await fetch(server.url, {
      headers: {
        accept: 'text/event-stream',
        'last-event-id': first?.id as string,
        'mcp-protocol-version': LEGACY_VERSION,
      },
    });
    expect(resumed.status).toBe(200);
    const rest = await resumed.text();
    expect(rest).toContain('"progress":2');
    expect(rest).toContain('"text":"late"');
    expect(rest).not.toContain(`id: ${priming?.id}\n`);
  });
});
