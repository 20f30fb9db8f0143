import { createServer, McpkitError } from '@mcpkit/core';
import { resilient } from '@mcpkit/resilience';
import { createTestClient, expectToolError, resultText } from '@mcpkit/testing';
import { mcpkitMatchers, useFakeClock } from '@mcpkit/testing/vitest';
import { describe, expect, it, onTestFinished } from 'vitest';
import * as z from 'zod';

expect.extend(mcpkitMatchers);

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });

describe('resilient() tool middleware', () => {
  it('times a slow handler out with UPSTREAM_TIMEOUT and aborts its signal', async () => {
    // The fake clock runs the 30 ms deadline; the handler's 500 ms wait never ends, nothing sleeps.
    const clock = useFakeClock();
    onTestFinished(() => clock.restore());
    let aborted = false;
    const server = createServer({ name: 'db', version: '1.0.0' }).tool('report', {
      description: 'Runs a slow query',
      use: [resilient({ timeoutMs: 30 })],
      handler: async (_args, ctx) => {
        ctx.signal.addEventListener('abort', () => {
          aborted = true;
        });
        await new Promise((resolve) => setTimeout(resolve, 500));
        return 'late';
      },
    });
    const client = await createTestClient(server);
    const pending = client.callTool('report');
    await clock.advance(30);
    const error = expectToolError(await pending, 'UPSTREAM_TIMEOUT');
    expect(error.retryable).toBe(true);
    expect(aborted).toBe(true);
    await client.close();
  });

  it('works as global tools/call middleware', async () => {
    // The 20 ms deadline runs on the fake clock; the slow handler's 200 ms never pass.
    const clock = useFakeClock();
    onTestFinished(() => clock.restore());
    const server = createServer({ name: 'db', version: '1.0.0' })
      .use('tools/call', resilient({ timeoutMs: 20 }))
      .tool('slow', { description: 'Slow', handler: (_a, ctx) => sleep(200, ctx.signal).then(() => 'done') })
      .tool('fast', { description: 'Fast', handler: () => 'quick' });
    const client = await createTestClient(server);
    const slow = client.callTool('slow');
    await clock.advance(20);
    expect(await slow).toBeToolError('UPSTREAM_TIMEOUT');
    expect(resultText(await client.callTool('fast'))).toBe('quick');
    await client.close();
  });

  it('retries a transient database error when wrapping the handler', async () => {
    let calls = 0;
    const policy = resilient({ retry: { maxAttempts: 3, baseDelayMs: 1 } });
    const server = createServer({ name: 'db', version: '1.0.0' }).tool('count', {
      description: 'Counts rows',
      input: z.object({ table: z.string() }),
      handler: policy.wrap(async ({ table }: { table: string }) => {
        calls += 1;
        if (calls < 3) throw Object.assign(new Error('connection terminated'), { code: '08006' });
        return `${table}: 42`;
      }),
    });
    const client = await createTestClient(server);
    expect(resultText(await client.callTool('count', { table: 'orders' }))).toBe('orders: 42');
    expect(calls).toBe(3);
    await client.close();
  });

  it('does not retry a caller mistake', async () => {
    let calls = 0;
    const policy = resilient({ retry: { maxAttempts: 3, baseDelayMs: 1 } });
    const server = createServer({ name: 'db', version: '1.0.0' }).tool('find', {
      description: 'Finds a row',
      handler: policy.wrap(async () => {
        calls += 1;
        throw new McpkitError('NOT_FOUND', 'No such row.');
      }),
    });
    const client = await createTestClient(server);
    expect(await client.callTool('find')).toBeToolError('NOT_FOUND');
    expect(calls).toBe(1);
    await client.close();
  });

  it('opens its breaker and answers CIRCUIT_OPEN without running the handler', async () => {
    let calls = 0;
    const server = createServer({ name: 'db', version: '1.0.0' }).tool('query', {
      description: 'Queries',
      use: [
        resilient({
          name: 'orders-db',
          breaker: { kind: 'consecutive', failures: 3, halfOpenAfterMs: 60_000 },
        }),
      ],
      handler: () => {
        calls += 1;
        throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      },
    });
    const opened: string[] = [];
    server.telemetry.on('breaker.open', (e) => opened.push(e.name));
    const client = await createTestClient(server);
    for (let i = 0; i < 3; i++) expectToolError(await client.callTool('query'), 'INTERNAL');
    const error = expectToolError(await client.callTool('query'), 'CIRCUIT_OPEN');
    expect(error.retryAfterMs).toBeGreaterThan(59_000);
    expect(calls).toBe(3);
    expect(opened).toEqual(['orders-db']);
    await client.close();
  });

  it('rejects beyond its bulkhead with a retryable RATE_LIMITED', async () => {
    const server = createServer({ name: 'db', version: '1.0.0' }).tool('heavy', {
      description: 'Heavy work',
      use: [resilient({ bulkhead: { maxConcurrent: 2, maxQueue: 2 } })],
      handler: () => sleep(60).then(() => 'ok'),
    });
    const client = await createTestClient(server);
    const results = await Promise.all(Array.from({ length: 5 }, () => client.callTool('heavy')));
    expect(results.filter((r) => !r.isError)).toHaveLength(4);
    const error = expectToolError(results.find((r) => r.isError)!, 'RATE_LIMITED');
    expect(error.retryable).toBe(true);
    await client.close();
  });

  it('answers with the fallback instead of the failure', async () => {
    const server = createServer({ name: 'db', version: '1.0.0' }).tool('price', {
      description: 'Current price',
      use: [
        resilient({
          timeoutMs: 10,
          fallback: (error) => `price unavailable (${error.code}); last known: 9.99`,
        }),
      ],
      handler: () => sleep(200).then(() => '10.01'),
    });
    // The 10 ms deadline runs on the fake clock; the handler's 200 ms never pass.
    const clock = useFakeClock();
    onTestFinished(() => clock.restore());
    const client = await createTestClient(server);
    const price = client.callTool('price');
    await clock.advance(10);
    expect(resultText(await price)).toBe('price unavailable (UPSTREAM_TIMEOUT); last known: 9.99');
    await client.close();
  });
});
