import type { ServerResponse } from 'node:http';
import { createServer } from '@mcpkit/core';
import { serveForTest, type TestServer } from '@mcpkit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { WriteBatch } from '../src/transports/http/write-batch.js';
import { postLegacy, postModern } from './fixtures/http-wire.js';

/** The part of a node response the batch touches, recording what was written. */
class RecordedResponse {
  destroyed = false;
  written: string[] = [];
  constructor(private readonly failWith?: Error) {}
  end(body: string): void {
    if (this.failWith) throw this.failWith;
    this.written.push(body);
  }
  destroy(): void {
    this.destroyed = true;
  }
  get res(): ServerResponse {
    return this as unknown as ServerResponse;
  }
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('WriteBatch', () => {
  it('holds responses until the end of the turn, then writes them in order', async () => {
    const batch = new WriteBatch(() => {});
    const first = new RecordedResponse();
    const second = new RecordedResponse();
    batch.end(first.res, 'one');
    batch.end(second.res, 'two');
    await Promise.resolve();
    expect([first.written, second.written]).toEqual([[], []]);
    await nextTurn();
    expect([first.written, second.written]).toEqual([['one'], ['two']]);
  });

  it('writes everything at once on flush(), and nothing twice', async () => {
    const batch = new WriteBatch(() => {});
    const response = new RecordedResponse();
    batch.end(response.res, 'now');
    batch.flush();
    expect(response.written).toEqual(['now']);
    await nextTurn();
    expect(response.written).toEqual(['now']);
  });

  it('skips a response whose client is gone', async () => {
    const batch = new WriteBatch(() => {});
    const gone = new RecordedResponse();
    gone.destroyed = true;
    batch.end(gone.res, 'lost');
    await nextTurn();
    expect(gone.written).toEqual([]);
  });

  it('reports a write that throws, destroys that response and still writes the others', async () => {
    const failures: unknown[] = [];
    const batch = new WriteBatch((error) => failures.push(error));
    const broken = new RecordedResponse(new Error('socket exploded'));
    const fine = new RecordedResponse();
    batch.end(broken.res, 'a');
    batch.end(fine.res, 'b');
    await nextTurn();
    expect(failures).toEqual([new Error('socket exploded')]);
    expect(broken.destroyed).toBe(true);
    expect(fine.written).toEqual(['b']);
  });

  it('schedules a new turn for responses added after a flush', async () => {
    const batch = new WriteBatch(() => {});
    const early = new RecordedResponse();
    batch.end(early.res, 'early');
    await nextTurn();
    const late = new RecordedResponse();
    batch.end(late.res, 'late');
    await nextTurn();
    expect([early.written, late.written]).toEqual([['early'], ['late']]);
  });
});

describe('batched responses over HTTP', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const app = () =>
    createServer({ name: 'batch', version: '1.0.0' }).tool('double', {
      description: 'Doubles a number',
      input: z.object({ n: z.number() }),
      handler: ({ n }) => String(n * 2),
    });

  for (const batchResponses of [true, false]) {
    it(`answers 200 concurrent calls, each with its own result (batchResponses: ${batchResponses})`, async () => {
      server = await serveForTest(app(), { batchResponses });
      const url = server.url;
      const answers = await Promise.all(
        Array.from({ length: 200 }, async (_, i) => {
          const response =
            i % 2 === 0
              ? await postModern(url, i, 'tools/call', { name: 'double', arguments: { n: i } })
              : await postLegacy(url, i, 'tools/call', { name: 'double', arguments: { n: i } });
          return { status: response.status, body: await response.json() };
        }),
      );
      answers.forEach(({ status, body }, i) => {
        expect(status).toBe(200);
        expect(body).toMatchObject({ id: i, result: { content: [{ type: 'text', text: String(i * 2) }] } });
      });
    });
  }

  it('sends the answer of a call that finishes while the server shuts down', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started!: () => void;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    server = await serveForTest(
      createServer({ name: 'batch', version: '1.0.0' }).tool('gated', {
        description: 'Answers once released',
        handler: async () => {
          started();
          await gate;
          return 'released';
        },
      }),
    );
    const call = postModern(server.url, 7, 'tools/call', { name: 'gated', arguments: {} }).then((r) =>
      r.json(),
    );
    await running;
    const closed = server.close();
    server = undefined;
    release();
    await closed;
    expect(await call).toMatchObject({ id: 7, result: { content: [{ type: 'text', text: 'released' }] } });
  });
});
