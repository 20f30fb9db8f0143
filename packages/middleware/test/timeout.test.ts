import { createServer, silentLogger } from '@mcpkit/core';
import { createTestClient, expectToolError, resultText } from '@mcpkit/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { timeout } from '../src/index.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('timeout', () => {
  it('aborts the narrowed signal and fails with a retryable UPSTREAM_TIMEOUT', async () => {
    const seen: unknown[] = [];
    const server = createServer({ name: 'slow', version: '1', logger: silentLogger }).tool('slow', {
      description: 'Waits for its signal',
      use: [timeout({ timeoutMs: 5_000 })],
      handler: (_args, ctx) =>
        new Promise<string>((resolve) => {
          ctx.signal.addEventListener('abort', () => {
            seen.push((ctx.signal.reason as { code?: string }).code);
            resolve('too late');
          });
        }),
    });
    const client = await createTestClient(server);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const pending = client.callTool('slow');
    await vi.advanceTimersByTimeAsync(5_000);
    const error = expectToolError(await pending, 'UPSTREAM_TIMEOUT');
    expect(error).toMatchObject({ retryable: true, details: { timeoutMs: 5_000 } });
    expect(seen).toEqual(['UPSTREAM_TIMEOUT']);
    vi.useRealTimers();
    await client.close();
  });

  it('lets a fast call through untouched, globally for every tool', async () => {
    const server = createServer({ name: 'fast', version: '1', logger: silentLogger })
      .use('tools/call', timeout({ timeoutMs: 1_000 }))
      .tool('fast', { description: 'Quick', handler: (_a, ctx) => String(ctx.signal.aborted) });
    const client = await createTestClient(server);
    expect(resultText(await client.callTool('fast'))).toBe('false');
    await client.close();
  });

  it('refuses a non-positive timeout at start-up', () => {
    expect(() => timeout({ timeoutMs: 0 })).toThrow(/must be positive/);
  });
});
