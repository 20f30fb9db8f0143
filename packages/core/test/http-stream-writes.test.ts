import type { Socket } from 'node:net';
import { createServer } from '@mcpkit/core';
import { serveForTest, type TestServer } from '@mcpkit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { postLegacy, postModern, SseReader } from './fixtures/http-wire.js';

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
  for (const era of ['modern', 'legacy'] as const) {
    it(`sends a stream that ends within its turn in one write (${era})`, async () => {
      server = await serveForTest(progressServer());
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
