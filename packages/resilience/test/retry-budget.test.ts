import { createServer } from '@mcpkit/core';
import { createRetryBudget, createUpstream } from '@mcpkit/resilience';
import { createTestClient, expectToolError, mockUpstream } from '@mcpkit/testing';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';

describe('createRetryBudget', () => {
  it('allows retries up to the ratio of calls, after the minimum', () => {
    let now = 0;
    const budget = createRetryBudget({ ratio: 0.1, minRetries: 2, windowMs: 1_000 }, () => now);
    for (let i = 0; i < 50; i++) budget.recordCall();
    const granted = Array.from({ length: 20 }, () => budget.tryRetry()).filter(Boolean).length;
    expect(granted).toBe(5);
    now = 2_000;
    // A new window: only the minimum is left until calls come in again.
    expect([budget.tryRetry(), budget.tryRetry(), budget.tryRetry()]).toEqual([true, true, false]);
  });

  it('forgets calls and retries that slid out of the window', () => {
    let now = 0;
    const budget = createRetryBudget({ ratio: 1, minRetries: 0, windowMs: 100 }, () => now);
    budget.recordCall();
    expect(budget.tryRetry()).toBe(true);
    expect(budget.tryRetry()).toBe(false);
    now = 150;
    budget.recordCall();
    expect(budget.tryRetry()).toBe(true);
  });

  it('keeps upstream requests ≤ 1.3 per tool call when the upstream is 100 % down', async () => {
    const mock = await mockUpstream();
    mock.route('GET', '*', 503);
    const items = createUpstream('items', {
      baseUrl: mock.url,
      breaker: false,
      retry: { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 2 },
    });
    const server = createServer({ name: 'budget-test', version: '1.0.0' })
      .use(items)
      .tool('get_item', {
        description: 'Reads an item',
        input: z.object({ id: z.string() }),
        handler: async ({ id }, ctx) => JSON.stringify(await items.get(`/items/${id}`, { ctx })),
      });
    const client = await createTestClient(server);
    const CALLS = 500;
    for (let batch = 0; batch < CALLS; batch += 25) {
      const results = await Promise.all(
        Array.from({ length: 25 }, (_, i) => client.callTool('get_item', { id: String(batch + i) })),
      );
      for (const result of results) expectToolError(result, 'UPSTREAM_UNAVAILABLE');
    }
    const ratio = mock.requests.length / CALLS;
    console.log(
      `[acceptance] retry budget, upstream 100% down, breaker off: ${mock.requests.length} upstream requests / ${CALLS} tool calls = ${ratio.toFixed(3)}`,
    );
    expect(ratio).toBeLessThanOrEqual(1.3);
    expect(ratio).toBeGreaterThan(1);
    await client.close();
    await mock.close();
  });
});
