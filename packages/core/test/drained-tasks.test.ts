import { createLogger, createServer } from '@mcpkit/core';
import { serveForTest } from '@mcpkit/testing';
import { describe, expect, it } from 'vitest';
import { postModern } from './fixtures/http-wire.js';

describe('onDrained', () => {
  it('runs after in-flight calls finished and before close() resolves, and logs a task that throws', async () => {
    const events: string[] = [];
    const lines: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started!: () => void;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const server = await serveForTest(
      createServer({
        name: 'drained',
        version: '1.0.0',
        logger: createLogger({ level: 'info', write: (l) => lines.push(l) }),
      })
        .tool('wait', {
          description: 'Waits for the test to release it',
          handler: async () => {
            started();
            await gate;
            events.push('call finished');
            return 'done';
          },
        })
        .onDrained('flush', async () => {
          await new Promise((resolve) => setTimeout(resolve, 20));
          events.push('flushed');
        })
        .onDrained('broken', () => {
          throw new Error('sink is gone');
        }),
    );
    const call = postModern(server.url, 1, 'tools/call', { name: 'wait', arguments: {} });
    // Shutdown starts while the call is in flight.
    await running;
    const closing = server.close().then(() => events.push('closed'));
    setTimeout(release, 30);
    expect((await (await call).json()).result.content).toEqual([{ type: 'text', text: 'done' }]);
    await closing;
    expect(events).toEqual(['call finished', 'flushed', 'closed']);
    expect(lines.some((l) => l.includes('"task":"broken"') && l.includes('shutdown task failed'))).toBe(true);
  });

  it('runs on a fetch handler drain, too', async () => {
    const events: string[] = [];
    const handler = createServer({ name: 'drained-fetch', version: '1.0.0' })
      .tool('now', { description: 'Answers at once', handler: () => 'now' })
      .onDrained('flush', () => {
        events.push('flushed');
      })
      .fetchHandler();
    await handler.drain(1_000);
    expect(events).toEqual(['flushed']);
  });
});
