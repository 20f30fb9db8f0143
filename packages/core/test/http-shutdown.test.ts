import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createServer, isMcpkitError, META } from '@mcpkit/core';
import { serveForTest, type TestServer } from '@mcpkit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { envelope, modernHeaders, postModern, SseReader } from './fixtures/http-wire.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/slow-server.mjs', import.meta.url));
const BUILT = fileURLToPath(new URL('../dist/index.js', import.meta.url));

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** A spawned fixture server: its stdout lines as they come, and its exit. */
interface Spawned {
  child: ChildProcess;
  waitForLine(match: (line: string) => boolean, ms?: number): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

const children: ChildProcess[] = [];

function spawnFixture(): Spawned {
  const child = spawn(process.execPath, [FIXTURE], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LOG_LEVEL: 'silent' },
  });
  children.push(child);
  const lines: string[] = [];
  const waiters = new Set<{ match: (line: string) => boolean; resolve: (line: string) => void }>();
  let partial = '';
  let errors = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    partial += chunk;
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      for (const waiter of waiters) {
        if (waiter.match(line)) {
          waiters.delete(waiter);
          waiter.resolve(line);
        }
      }
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    errors += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    exited,
    stderr: () => errors,
    waitForLine(match, ms = 5_000) {
      const seen = lines.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      const { promise, resolve } = deferred<string>();
      waiters.add({ match, resolve });
      return within(promise, ms, `a line from the fixture server (stderr: ${errors.slice(0, 500)})`);
    },
  };
}

let server: TestServer | undefined;

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  await server?.close();
  server = undefined;
});

/** What a request sent after SIGTERM got: a response status, or the network error code. */
async function attempt(url: string): Promise<{ status?: number; error?: string }> {
  try {
    const response = await postModern(url, 2, 'tools/list');
    await response.body?.cancel();
    return { status: response.status };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    return { error: cause?.code ?? String(error) };
  }
}

describe('graceful shutdown of a real process on SIGTERM', () => {
  it('finishes the in-flight call, refuses new requests and exits with code 0', async () => {
    expect(existsSync(BUILT), 'packages/core/dist is missing: run `pnpm turbo run build` first').toBe(true);
    const fixture = spawnFixture();
    const url = await fixture.waitForLine((line) => line.startsWith('http://127.0.0.1:'));
    const call = postModern(url, 1, 'tools/call', { name: 'slow', arguments: {} }).then(async (r) => ({
      status: r.status,
      body: (await r.json()) as { result?: { content?: Array<{ text?: string }> } },
    }));
    await fixture.waitForLine((line) => line === 'slow:started');
    const signalledAt = Date.now();
    fixture.child.kill('SIGTERM');
    await fixture.waitForLine((line) => line === 'signal:SIGTERM');

    const late = await attempt(url);
    expect(late.status === 503 || late.error === 'ECONNREFUSED', JSON.stringify(late)).toBe(true);

    const finished = await within(call, 3_000, 'the in-flight call');
    expect(finished.status).toBe(200);
    expect(finished.body.result?.content?.[0]?.text).toBe('done');

    const exit = await within(fixture.exited, 3_000, 'the process to exit');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalledAt).toBeLessThan(3_000);
  });

  it('exits with code 0 right away on SIGINT when nothing is in flight', async () => {
    const fixture = spawnFixture();
    await fixture.waitForLine((line) => line.startsWith('http://127.0.0.1:'));
    fixture.child.kill('SIGINT');
    expect(await within(fixture.exited, 3_000, 'the process to exit')).toEqual({ code: 0, signal: null });
  });
});

describe('graceful shutdown in process', () => {
  it('still delivers the answer of a handler that stops once its signal aborts', async () => {
    const started = deferred();
    server = await serveForTest(
      createServer({ name: 'drain', version: '1.0.0' }).tool('cooperative', {
        description: 'Stops when aborted',
        handler: async (_args, ctx) => {
          started.resolve();
          await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
          return 'stopped cleanly';
        },
      }),
      { shutdownGraceMs: 50 },
    );
    const call = postModern(server.url, 1, 'tools/call', { name: 'cooperative', arguments: {} }).then((r) =>
      r.json(),
    );
    await started.promise;
    await within(server.close(), 2_000, 'close()');
    expect(await call).toMatchObject({
      id: 1,
      result: { content: [{ type: 'text', text: 'stopped cleanly' }] },
    });
  });

  it('closing one endpoint leaves the other endpoints of the same server serving', async () => {
    const built = createServer({ name: 'drain', version: '1.0.0' })
      .tool('ping_tool', { description: 'Answers', handler: () => 'pong' })
      .build();
    const first = await serveForTest(built);
    server = await serveForTest(built);
    await within(first.close(), 2_000, 'closing the first endpoint');
    const answer = await postModern(server.url, 1, 'tools/call', { name: 'ping_tool', arguments: {} });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ result: { content: [{ type: 'text', text: 'pong' }] } });
    expect(built.closing).toBe(false);
  });

  it('waits for an in-flight call that finishes within the grace period', async () => {
    const started = deferred();
    server = await serveForTest(
      createServer({ name: 'drain', version: '1.0.0' }).tool('brief', {
        description: 'Takes 100 ms',
        handler: async () => {
          started.resolve();
          await new Promise((resolve) => setTimeout(resolve, 100));
          return 'finished';
        },
      }),
      { shutdownGraceMs: 2_000 },
    );
    const call = postModern(server.url, 1, 'tools/call', { name: 'brief', arguments: {} }).then((r) =>
      r.json(),
    );
    await started.promise;
    await within(server.close(), 2_000, 'close()');
    expect(await call).toMatchObject({ id: 1, result: { content: [{ type: 'text', text: 'finished' }] } });
  });

  it('aborts ctx.signal of a handler that outlives shutdownGraceMs, with a retryable shutdown error', async () => {
    const started = deferred();
    const aborted = deferred<{ reason: unknown; at: number }>();
    server = await serveForTest(
      createServer({ name: 'drain', version: '1.0.0' }).tool('stubborn', {
        description: 'Runs until it is aborted',
        handler: async (_args, ctx) => {
          started.resolve();
          const reason = await new Promise((resolve) =>
            ctx.signal.addEventListener('abort', () => resolve(ctx.signal.reason), { once: true }),
          );
          aborted.resolve({ reason, at: performance.now() });
          return 'gave up';
        },
      }),
      { shutdownGraceMs: 100 },
    );
    const call = postModern(server.url, 1, 'tools/call', { name: 'stubborn', arguments: {} })
      .then((r) => r.text())
      .catch(() => 'disconnected');
    await started.promise;
    const closingAt = performance.now();
    await within(server.close(), 2_000, 'close()');
    const closedAt = performance.now();
    const { reason, at } = await within(aborted.promise, 1_000, 'the abort');
    expect(at - closingAt).toBeGreaterThanOrEqual(90);
    expect(at - closingAt).toBeLessThan(1_000);
    expect(closedAt - closingAt).toBeLessThan(1_500);
    expect(isMcpkitError(reason)).toBe(true);
    expect(reason).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryable: true });
    await call;
  });

  it('ends an open subscriptions/listen stream with a complete result when shutting down', async () => {
    server = await serveForTest(
      createServer({ name: 'drain', version: '2.0.0' }).tool('noop', {
        description: 'No-op',
        handler: () => 'ok',
      }),
    );
    const response = await postModern(server.url, 9, 'subscriptions/listen', {
      notifications: { toolsListChanged: true },
    });
    const stream = new SseReader(response);
    expect(await stream.nextMessage()).toMatchObject({ method: 'notifications/subscriptions/acknowledged' });
    const closing = server.close();
    expect(await stream.nextMessage(1_000)).toEqual({
      jsonrpc: '2.0',
      id: 9,
      result: {
        resultType: 'complete',
        _meta: { [META.subscriptionId]: 9, [META.serverInfo]: { name: 'drain', version: '2.0.0' } },
      },
    });
    expect(await stream.nextMessage(1_000)).toBeUndefined();
    await within(closing, 2_000, 'close()');
  });

  it('refuses new requests with 503 and Retry-After while draining, and still finishes the in-flight one', async () => {
    const release = deferred();
    const started = deferred();
    const app = createServer({ name: 'drain', version: '1.0.0' }).tool('held', {
      description: 'Waits until the test releases it',
      handler: async () => {
        started.resolve();
        await release.promise;
        return 'released';
      },
    });
    const built = app.build();
    const handler = built.fetchHandler();
    const request = (id: number, method: string, params: Record<string, unknown> = {}) =>
      new Request('http://127.0.0.1/mcp', {
        method: 'POST',
        headers: modernHeaders(method, params),
        body: JSON.stringify({ jsonrpc: '2.0', id, method, params: { ...params, _meta: envelope() } }),
      });
    const inflight = handler(request(1, 'tools/call', { name: 'held', arguments: {} }));
    await started.promise;
    const draining = built.drain(2_000);
    expect(built.closing).toBe(true);

    const refused = await handler(request(2, 'tools/list'));
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toMatchObject({
      jsonrpc: '2.0',
      id: 2,
      error: { code: -32603, data: { code: 'UPSTREAM_UNAVAILABLE', retryable: true, retryAfterMs: 1_000 } },
    });

    release.resolve();
    const finished = await inflight;
    expect(await finished.json()).toMatchObject({ id: 1, result: { content: [{ text: 'released' }] } });
    await within(draining, 1_000, 'drain()');
    expect(built.inflight).toBe(0);
  });
});
