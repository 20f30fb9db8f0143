import { createServer, McpkitError } from '@mcpkit/core';
import { createUpstream, resilient } from '@mcpkit/resilience';
import {
  createTestClient,
  expectToolError,
  type MockUpstream,
  mockUpstream,
  resultText,
  serveForTest,
  type TestServer,
} from '@mcpkit/testing';
import { mcpkitMatchers, useFakeClock } from '@mcpkit/testing/vitest';
import { afterEach, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import * as z from 'zod';

expect.extend(mcpkitMatchers);

let mock: MockUpstream;
let served: TestServer | undefined;

beforeEach(async () => {
  mock = await mockUpstream();
});
afterEach(async () => {
  vi.useRealTimers();
  await served?.close();
  served = undefined;
  await mock.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Lets real I/O run (setImmediate is not faked) until `done`, without moving the fake clock; 5 s at most. */
async function realTurnsUntil(done: () => boolean): Promise<void> {
  const giveUp = process.hrtime.bigint() + 5_000_000_000n;
  while (!done() && process.hrtime.bigint() < giveUp) await new Promise((resolve) => setImmediate(resolve));
  if (!done()) throw new Error('the condition did not come true within 5 s');
}

describe('circuit breaker of an upstream', () => {
  it('opens after the configured failures, fails fast without the network, then closes after a healthy trial', async () => {
    // Only Date is faked: the breaker's clock stands still while real sockets and timers run.
    vi.useFakeTimers({ toFake: ['Date'] });
    mock.route('GET', '*', 503);
    const HALF_OPEN_MS = 10_000;
    const items = createUpstream('items', {
      baseUrl: mock.url,
      retry: false,
      breaker: { kind: 'consecutive', failures: 5, halfOpenAfterMs: HALF_OPEN_MS },
    });
    const timings: number[] = [];
    const server = createServer({ name: 'breaker-test', version: '2.0.0' })
      .use(items)
      .tool('get_item', {
        description: 'Reads an item',
        input: z.object({ id: z.string() }),
        handler: async ({ id }, ctx) => {
          const started = performance.now();
          try {
            return JSON.stringify(await items.get(`/items/${id}`, { ctx }));
          } finally {
            timings.push(performance.now() - started);
          }
        },
      });
    const states: string[] = [];
    server.telemetry.on('breaker.open', (e) => states.push(`open ${e.name}`));
    server.telemetry.on('breaker.halfOpen', (e) => states.push(`halfOpen ${e.name}`));
    server.telemetry.on('breaker.close', (e) => states.push(`close ${e.name}`));
    served = await serveForTest(server);
    const client = await createTestClient(served.server);

    for (let i = 0; i < 5; i++) {
      expect(await client.callTool('get_item', { id: String(i) })).toBeToolError('UPSTREAM_UNAVAILABLE');
    }
    expect(items.breakerState).toBe('open');
    expect(mock.requests).toHaveLength(5);

    const ready = await fetch(`${served.origin}/readyz`);
    expect(ready.status).toBe(503);
    const report = (await ready.json()) as { checks: Record<string, { healthy: boolean; details?: object }> };
    expect(report.checks['upstream:items']).toMatchObject({
      healthy: false,
      details: { breaker: 'open', retryAfterMs: expect.any(Number), lastFailure: 'status:503' },
    });

    timings.length = 0;
    for (let i = 0; i < 50; i++) {
      const error = expectToolError(await client.callTool('get_item', { id: 'x' }), 'CIRCUIT_OPEN');
      expect(error.retryable).toBe(true);
      expect(error.retryAfterMs).toBeGreaterThan(0);
      expect(error.retryAfterMs).toBeLessThanOrEqual(HALF_OPEN_MS);
    }
    const sorted = [...timings].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
    const p95 = sorted[Math.floor(sorted.length * 0.95)] ?? 0;
    console.log(
      `[acceptance] open breaker: 50 CIRCUIT_OPEN fast-fails, median ${median.toFixed(3)} ms, p95 ${p95.toFixed(3)} ms, max ${(sorted.at(-1) ?? 0).toFixed(3)} ms per call; mock requests stayed at ${mock.requests.length}`,
    );
    expect(mock.requests).toHaveLength(5);
    // The median: single calls on a shared 2-vCPU machine can be descheduled for a GC or a neighbour.
    expect(median).toBeLessThan(1);

    mock.route('GET', '*', { body: { id: 'ok' } });
    vi.setSystemTime(Date.now() + HALF_OPEN_MS + 1);
    expect(resultText(await client.callTool('get_item', { id: 'trial' }))).toBe('{"id":"ok"}');
    expect(mock.requests).toHaveLength(6);
    expect(items.breakerState).toBe('closed');
    expect(states).toEqual(['open upstream:items', 'halfOpen upstream:items', 'close upstream:items']);
    expect((await fetch(`${served.origin}/readyz`)).status).toBe(200);
    await client.close();
  });

  it('re-opens when the half-open trial fails', async () => {
    mock.route('GET', '*', 500);
    const items = createUpstream('items', {
      baseUrl: mock.url,
      retry: false,
      breaker: { kind: 'consecutive', failures: 2, halfOpenAfterMs: 30 },
    });
    for (let i = 0; i < 2; i++)
      await expect(items.get('/a')).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    await expect(items.get('/a')).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });
    await sleep(40);
    await expect(items.get('/a')).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect(items.breakerState).toBe('open');
    expect(mock.requests).toHaveLength(3);
  });

  it('opens a sampling breaker on the failure rate, not on client errors', async () => {
    mock.route('GET', '/bad', 400);
    mock.route('GET', '/down', 503);
    const items = createUpstream('items', {
      baseUrl: mock.url,
      retry: false,
      breaker: { threshold: 0.5, durationMs: 1_000, minimumRps: 1, halfOpenAfterMs: 1_000 },
    });
    for (let i = 0; i < 20; i++)
      await expect(items.get('/bad')).rejects.toMatchObject({ code: 'UPSTREAM_ERROR' });
    expect(items.breakerState).toBe('closed');
    for (let i = 0; i < 20 && items.breakerState === 'closed'; i++) {
      await items.get('/down').catch(() => undefined);
    }
    expect(items.breakerState).toBe('open');
    await expect(items.get('/bad')).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });
  });
});

describe('breaker verdicts: cancellations and deadlines', () => {
  it('keeps the breaker open when a half-open trial is cancelled: 50 cycles × 50 callers, 1 upstream request each', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    mock.route('GET', '/down', 503);
    mock.route('GET', '/items/*', { hang: true });
    const HALF_OPEN_MS = 10_000;
    const items = createUpstream('items', {
      baseUrl: mock.url,
      retry: false,
      // Far longer than the trial lives before its cancel; short enough that a regression fails fast.
      attemptTimeoutMs: 2_000,
      breaker: { kind: 'consecutive', failures: 1, halfOpenAfterMs: HALF_OPEN_MS },
    });
    await expect(items.get('/down')).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect(items.breakerState).toBe('open');

    const CYCLES = 50;
    const CALLERS = 50;
    const perCycle: number[] = [];
    let closedAfter = 0;
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const before = mock.requests.length;
      vi.setSystemTime(Date.now() + HALF_OPEN_MS + 1);
      const controllers = Array.from({ length: CALLERS }, () => new AbortController());
      const calls = controllers.map((c, i) => items.get(`/items/${i}`, { signal: c.signal }));
      await mock.waitForRequests(before + 1);
      // The first caller is the trial; it leaves while the upstream hangs.
      controllers[0]?.abort();
      const results = await Promise.allSettled(calls);
      perCycle.push(mock.requests.length - before);
      if (items.breakerState !== 'open') closedAfter += 1;
      const codes = results.map((r) =>
        r.status === 'rejected' ? (r.reason as { code?: string }).code : 'ok',
      );
      expect(codes[0]).toBe('UPSTREAM_UNAVAILABLE');
      expect(codes.slice(1)).toEqual(Array.from({ length: CALLERS - 1 }, () => 'CIRCUIT_OPEN'));
    }
    console.log(
      `[acceptance] cancelled half-open trials: ${CYCLES} cycles × ${CALLERS} callers → upstream requests per cycle ${[...new Set(perCycle)].join('/')}, breaker left not-open in ${closedAfter} cycles`,
    );
    expect(perCycle).toEqual(Array.from({ length: CYCLES }, () => 1));
    expect(closedAfter).toBe(0);
    expect(items.breakerState).toBe('open');
  });

  it('opens after the configured failures when a hanging upstream is stopped by a tool timeout, a timed signal or the call deadline', async () => {
    mock.route('GET', '*', { hang: true });
    const FAILURES = 3;
    const make = (deadlineMs = 30_000) =>
      createUpstream('items', {
        baseUrl: mock.url,
        retry: false,
        attemptTimeoutMs: 60_000,
        deadlineMs,
        breaker: { kind: 'consecutive', failures: FAILURES, halfOpenAfterMs: 60_000 },
      });

    // A tool-level deadline narrowing ctx.signal, as timeout() or resilient({ timeout }) do.
    const behindTool = make();
    const server = createServer({ name: 'hang', version: '1.0.0' }).tool('get_item', {
      description: 'Reads an item',
      use: [resilient({ timeoutMs: 30 })],
      handler: async (_args, ctx) => JSON.stringify(await behindTool.get('/items/1', { ctx })),
    });
    const client = await createTestClient(server);
    for (let i = 0; i < FAILURES; i++) expectToolError(await client.callTool('get_item'), 'UPSTREAM_TIMEOUT');
    await vi.waitFor(() => expect(behindTool.breakerState).toBe('open'));
    expect(await client.callTool('get_item')).toBeToolError('CIRCUIT_OPEN');
    await client.close();

    const timed = make();
    for (let i = 0; i < FAILURES; i++) {
      await expect(timed.get('/items/2', { signal: AbortSignal.timeout(30) })).rejects.toMatchObject({
        code: 'UPSTREAM_TIMEOUT',
      });
    }
    // The caller is answered at the abort; the attempt's own failure lands a moment later.
    await vi.waitFor(() => expect(timed.breakerState).toBe('open'));

    const shortDeadline = make(30);
    for (let i = 0; i < FAILURES; i++) {
      await expect(shortDeadline.get('/items/3')).rejects.toMatchObject({ code: 'UPSTREAM_TIMEOUT' });
    }
    await vi.waitFor(() => expect(shortDeadline.breakerState).toBe('open'));
    await expect(shortDeadline.get('/items/3')).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });
    expect(mock.requests).toHaveLength(3 * FAILURES);
  });

  it('never counts calls the client cancelled, in createUpstream or resilient()', async () => {
    mock.route('GET', '*', { hang: true });
    const items = createUpstream('items', {
      baseUrl: mock.url,
      retry: false,
      breaker: { kind: 'consecutive', failures: 2, halfOpenAfterMs: 60_000 },
    });
    const guarded = resilient({ name: 'db', breaker: { kind: 'consecutive', failures: 2 } });
    const server = createServer({ name: 'cancels', version: '1.0.0' })
      .tool('get_item', {
        description: 'Reads an item',
        handler: async (_args, ctx) => JSON.stringify(await items.get('/items/1', { ctx })),
      })
      .tool('query', {
        description: 'Runs a query that waits until cancelled, or answers at once',
        input: z.object({ wait: z.boolean() }),
        use: [guarded],
        handler: ({ wait }, ctx) =>
          wait
            ? new Promise<string>((_, reject) =>
                ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true }),
              )
            : 'rows',
      });
    const opened: string[] = [];
    server.telemetry.on('breaker.open', (e) => opened.push(e.name));
    const client = await createTestClient(server);
    for (let i = 0; i < 4; i++) {
      const upstreamCall = new AbortController();
      const pending = client.callTool('get_item', {}, { signal: upstreamCall.signal });
      await mock.waitForRequests(i + 1);
      upstreamCall.abort();
      await expect(pending).rejects.toThrow();
      const queryCall = new AbortController();
      const query = client.callTool('query', { wait: true }, { signal: queryCall.signal });
      await sleep(5);
      queryCall.abort();
      await expect(query).rejects.toThrow();
    }
    expect(items.breakerState).toBe('closed');
    expect(resultText(await client.callTool('query', { wait: false }))).toBe('rows');
    expect(opened).toEqual([]);
    await client.close();
  });

  it('starts no attempt after a backoff sleep that outlived its call: not sent, not counted', async () => {
    // The deadline and the backoff are the package's timers: the fake clock runs both, and runs
    // past the end of the 300 ms backoff where a ghost attempt would start, without waiting.
    const clock = useFakeClock();
    onTestFinished(() => clock.restore());
    mock.route('GET', '*', 503);
    const attempts: number[] = [];
    const retries: number[] = [];
    const items = createUpstream('items', {
      baseUrl: mock.url,
      deadlineMs: 50,
      // A backoff of 300 ms: the call's 50 ms deadline passes while it sleeps.
      retry: { maxAttempts: 2, baseDelayMs: 100_000, maxDelayMs: 300, budget: false },
      breaker: { kind: 'consecutive', failures: 2, halfOpenAfterMs: 60_000 },
      telemetry: {
        emit: (name: string) => {
          if (name === 'upstream.attempt') attempts.push(Date.now());
          if (name === 'upstream.retry') retries.push(Date.now());
        },
        on: () => () => undefined,
        has: () => true,
      } as never,
    });
    const failed = expect(items.get('/a')).rejects.toMatchObject({ code: 'UPSTREAM_TIMEOUT' });
    // The 503 travels over a real socket; the backoff starts once it is back (no fake time passes).
    await realTurnsUntil(() => retries.length === 1);
    await clock.advance(50);
    await failed;
    await clock.advance(400);
    expect(attempts).toHaveLength(1);
    // A ghost attempt would be on the wire by now: one more real round trip to the mock lands after it.
    await fetch(`${mock.url}/probe`);
    expect(mock.requests.map((request) => request.path)).toEqual(['/a', '/probe']);
    // One fault (the 503); a ghost attempt stopped by the deadline would have been the second.
    expect(items.breakerState).toBe('closed');
  });

  it('does not run a resilient() handler again for a caller who left during the backoff', async () => {
    // The backoff sleep is cockatiel's timer: the fake clock runs it without waiting 300 ms.
    const clock = useFakeClock();
    onTestFinished(() => clock.restore());
    let runs = 0;
    const policy = resilient({
      retry: { maxAttempts: 3, baseDelayMs: 100_000, maxDelayMs: 300 },
      breaker: { kind: 'consecutive', failures: 5 },
    });
    const server = createServer({ name: 'db', version: '1.0.0' }).tool('query', {
      description: 'Fails once, transiently',
      handler: policy.wrap(async () => {
        runs += 1;
        throw new McpkitError('UPSTREAM_UNAVAILABLE', 'The database is restarting.');
      }),
    });
    const client = await createTestClient(server);
    const controller = new AbortController();
    const pending = client.callTool('query', {}, { signal: controller.signal });
    await vi.waitFor(() => expect(runs).toBe(1));
    controller.abort();
    await expect(pending).rejects.toThrow();
    await clock.advance(400);
    expect(runs).toBe(1);
    await client.close();
  });

  it('keeps a resilient() breaker open when its half-open trial is cancelled', async () => {
    let runs = 0;
    const policy = resilient({
      name: 'db',
      breaker: { kind: 'consecutive', failures: 1, halfOpenAfterMs: 40 },
    });
    const server = createServer({ name: 'db', version: '1.0.0' }).tool('query', {
      description: 'Fails, or waits until cancelled',
      input: z.object({ fail: z.boolean() }),
      handler: policy.wrap(async ({ fail }: { fail: boolean }, ctx) => {
        runs += 1;
        if (fail) throw new McpkitError('UPSTREAM_UNAVAILABLE', 'The database is down.');
        return new Promise<string>((_, reject) =>
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true }),
        );
      }),
    });
    const client = await createTestClient(server);
    expect(await client.callTool('query', { fail: true })).toBeToolError('UPSTREAM_UNAVAILABLE');
    await sleep(60);
    const controllers = Array.from({ length: 10 }, () => new AbortController());
    const calls = controllers.map((c) => client.callTool('query', { fail: false }, { signal: c.signal }));
    await vi.waitFor(() => expect(runs).toBe(2));
    controllers[0]?.abort();
    await expect(calls[0]).rejects.toThrow();
    for (const call of calls.slice(1)) expectToolError(await call, 'CIRCUIT_OPEN');
    expect(runs).toBe(2);
    await client.close();
  });
});
