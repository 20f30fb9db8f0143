import { createServer, McpkitError, type Middleware, type ResultOf } from '@mcpkit/core';
import { resilient } from '@mcpkit/resilience';
import { createTestClient, expectToolError, resultText } from '@mcpkit/testing';
import { mcpkitMatchers, useFakeClock } from '@mcpkit/testing/vitest';
import { describe, expect, it, onTestFinished } from 'vitest';
import * as z from 'zod';

expect.extend(mcpkitMatchers);

type CallToolResult = ResultOf<'tools/call'>;

const unavailable = () =>
  new McpkitError('UPSTREAM_UNAVAILABLE', 'The inventory service is down.', { hint: 'Try again.' });

/** A handler that fails with `error()` on its first `failures` runs, then answers `ok`. */
function flaky(failures: number, error: () => Error = unavailable) {
  const runs: Array<Record<string, unknown>> = [];
  return {
    runs,
    handler: (args: Record<string, unknown>) => {
      runs.push(args);
      if (runs.length <= failures) throw error();
      return `ok after ${runs.length} runs`;
    },
  };
}

/** A tool result carrying a coded error, as a layer that answers failures itself would return. */
function codedErrorResult(code: string, text: string): CallToolResult {
  return {
    content: [{ type: 'text', text }],
    structuredContent: { error: { code, message: text, requestId: 'r-1', retryable: true } },
    isError: true,
  };
}

const retry = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 };

describe('resilient() as middleware runs the whole policy', () => {
  it('retries a per-tool chain: two retryable failures, then success after 3 handler runs', async () => {
    const tool = flaky(2);
    const server = createServer({ name: 'shop', version: '1.0.0' }).tool('stock', {
      description: 'Stock level of an item',
      input: z.object({ sku: z.string() }),
      use: [resilient({ retry })],
      handler: tool.handler,
    });
    const client = await createTestClient(server);
    const result = await client.callTool('stock', { sku: 'A-1' });
    expect(result.isError).toBeFalsy();
    expect(resultText(result)).toBe('ok after 3 runs');
    // Every attempt sees the validated arguments.
    expect(tool.runs).toEqual([{ sku: 'A-1' }, { sku: 'A-1' }, { sku: 'A-1' }]);
    await client.close();
  });

  it('retries as global tools/call middleware, re-running validation and inner layers per attempt', async () => {
    const tool = flaky(2);
    let innerRuns = 0;
    const inner: Middleware<'tools/call'> = (_ctx, next) => {
      innerRuns += 1;
      return next();
    };
    const server = createServer({ name: 'shop', version: '1.0.0' })
      .use('tools/call', resilient({ retry }))
      .use('tools/call', inner)
      .tool('stock', {
        description: 'Stock level of an item',
        input: z.object({ sku: z.string() }),
        handler: tool.handler,
      });
    const client = await createTestClient(server);
    expect(resultText(await client.callTool('stock', { sku: 'B-2' }))).toBe('ok after 3 runs');
    expect(tool.runs).toHaveLength(3);
    expect(innerRuns).toBe(3);
    await client.close();
  });

  it('does not retry invalid arguments (VALIDATION_FAILED) in global mode', async () => {
    const tool = flaky(0);
    let innerRuns = 0;
    const server = createServer({ name: 'shop', version: '1.0.0' })
      .use('tools/call', resilient({ retry }))
      .use('tools/call', (_ctx, next) => {
        innerRuns += 1;
        return next();
      })
      .tool('stock', {
        description: 'Stock level of an item',
        input: z.object({ sku: z.string() }),
        handler: tool.handler,
      });
    const client = await createTestClient(server);
    expect(await client.callToolUnchecked('stock', { sku: 42 })).toBeToolError('VALIDATION_FAILED');
    expect(innerRuns).toBe(1);
    expect(tool.runs).toHaveLength(0);
    await client.close();
  });

  it('does not retry a 4xx UPSTREAM_ERROR', async () => {
    const tool = flaky(
      5,
      () =>
        new McpkitError('UPSTREAM_ERROR', 'The provider refused the request.', { details: { status: 404 } }),
    );
    const server = createServer({ name: 'shop', version: '1.0.0' }).tool('stock', {
      description: 'Stock level of an item',
      use: [resilient({ retry })],
      handler: tool.handler,
    });
    const client = await createTestClient(server);
    const error = expectToolError(await client.callTool('stock'), 'UPSTREAM_ERROR');
    expect(error.retryable).toBe(false);
    expect(tool.runs).toHaveLength(1);
    await client.close();
  });

  it('gives each attempt its own deadline: the handler sees ctx.signal abort, the retry succeeds', async () => {
    const reasons: unknown[] = [];
    let runs = 0;
    const server = createServer({ name: 'shop', version: '1.0.0' }).tool('report', {
      description: 'Builds a report',
      use: [resilient({ timeoutMs: 30, retry })],
      handler: async (_args, ctx) => {
        runs += 1;
        if (runs > 1) return 'report ready';
        // The first run hangs until its attempt deadline aborts it.
        return new Promise<string>((_, reject) => {
          ctx.signal.addEventListener('abort', () => {
            reasons.push(ctx.signal.reason);
            reject(ctx.signal.reason);
          });
        });
      },
    });
    // The attempt deadline and the backoff run on the fake clock: the retry has answered once
    // 30 ms (the deadline) and at most 2 ms (the backoff) have passed.
    const clock = useFakeClock();
    onTestFinished(() => clock.restore());
    const client = await createTestClient(server);
    const report = client.callTool('report');
    await clock.advance(32);
    expect(resultText(await report)).toBe('report ready');
    expect(runs).toBe(2);
    expect(reasons).toHaveLength(1);
    expect((reasons[0] as McpkitError).code).toBe('UPSTREAM_TIMEOUT');
    await client.close();
  });

  it('waits for an attempt that ignored its abort before running the chain again', async () => {
    let runs = 0;
    let concurrent = 0;
    let maxConcurrent = 0;
    const server = createServer({ name: 'shop', version: '1.0.0' }).tool('report', {
      description: 'Builds a report',
      use: [resilient({ timeoutMs: 40, retry: { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 2 } })],
      handler: async () => {
        runs += 1;
        concurrent += 1;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        try {
          // The first run ignores its signal and outlives two attempt deadlines.
          if (runs === 1) await new Promise((resolve) => setTimeout(resolve, 100));
          return `run ${runs}`;
        } finally {
          concurrent -= 1;
        }
      },
    });
    // Deadlines, backoff (at most 2 ms) and the stubborn run's 100 ms all run on the fake clock.
    const clock = useFakeClock();
    onTestFinished(() => clock.restore());
    const client = await createTestClient(server);
    const report = client.callTool('report');
    await clock.advance(102);
    expect(resultText(await report)).toBe('run 2');
    expect(runs).toBe(2);
    expect(maxConcurrent).toBe(1);
    await client.close();
  });

  it('answers with the fallback once retries are used up', async () => {
    const tool = flaky(10);
    const server = createServer({ name: 'shop', version: '1.0.0' }).tool('price', {
      description: 'Current price',
      use: [
        resilient({
          retry,
          fallback: (error) => `price unavailable (${error.code}); last known: 9.99`,
        }),
      ],
      handler: tool.handler,
    });
    const client = await createTestClient(server);
    expect(resultText(await client.callTool('price'))).toBe(
      'price unavailable (UPSTREAM_UNAVAILABLE); last known: 9.99',
    );
    expect(tool.runs).toHaveLength(3);
    await client.close();
  });

  it('opens its breaker during retries and answers CIRCUIT_OPEN without running the chain', async () => {
    const tool = flaky(100);
    const server = createServer({ name: 'shop', version: '1.0.0' })
      .use(
        'tools/call',
        resilient({
          name: 'inventory',
          retry,
          breaker: { kind: 'consecutive', failures: 2, halfOpenAfterMs: 60_000 },
        }),
      )
      .tool('stock', { description: 'Stock level', handler: tool.handler });
    const client = await createTestClient(server);
    // Two failed attempts open the breaker; the third attempt is refused by it.
    const first = expectToolError(await client.callTool('stock'), 'CIRCUIT_OPEN');
    expect(first.retryAfterMs).toBeGreaterThan(59_000);
    expect(tool.runs).toHaveLength(2);
    expect(await client.callTool('stock')).toBeToolError('CIRCUIT_OPEN');
    expect(tool.runs).toHaveLength(2);
    await client.close();
  });

  it('retries a coded, retryable isError result returned by an inner layer', async () => {
    let runs = 0;
    const server = createServer({ name: 'shop', version: '1.0.0' }).tool('stock', {
      description: 'Stock level',
      use: [resilient({ retry })],
      handler: () => {
        runs += 1;
        return runs < 3 ? codedErrorResult('UPSTREAM_UNAVAILABLE', 'inventory down') : 'in stock';
      },
    });
    const client = await createTestClient(server);
    expect(resultText(await client.callTool('stock'))).toBe('in stock');
    expect(runs).toBe(3);
    await client.close();
  });

  it('answers the last coded isError result unchanged when retries are used up', async () => {
    let runs = 0;
    const server = createServer({ name: 'shop', version: '1.0.0' }).tool('stock', {
      description: 'Stock level',
      use: [resilient({ retry })],
      handler: () => {
        runs += 1;
        return codedErrorResult('UPSTREAM_TIMEOUT', `inventory slow (run ${runs})`);
      },
    });
    const client = await createTestClient(server);
    const result = await client.callTool('stock');
    expect(expectToolError(result, 'UPSTREAM_TIMEOUT').message).toBe('inventory slow (run 3)');
    expect(resultText(result)).toBe('inventory slow (run 3)');
    expect(runs).toBe(3);
    await client.close();
  });

  it('returns an uncoded isError result as the answer, without retrying', async () => {
    let runs = 0;
    const server = createServer({ name: 'shop', version: '1.0.0' }).tool('stock', {
      description: 'Stock level',
      use: [resilient({ retry, fallback: () => 'fallback' })],
      handler: () => {
        runs += 1;
        return { content: [{ type: 'text' as const, text: 'no such item' }], isError: true };
      },
    });
    const client = await createTestClient(server);
    const result = await client.callTool('stock');
    expect(result.isError).toBe(true);
    expect(resultText(result)).toBe('no such item');
    expect(runs).toBe(1);
    await client.close();
  });
});
