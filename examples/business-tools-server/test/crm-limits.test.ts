import type { TestClient } from '@mcpkit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './fixtures/harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

type Failure = {
  error: { code: string; retryable: boolean; retryAfterMs?: number; details?: Record<string, unknown> };
};
const failure = (result: { isError?: boolean; structuredContent?: unknown }) =>
  result.isError ? (result.structuredContent as Failure).error : undefined;

describe('CRM outbound limits', () => {
  it('never exceeds its configured rate toward the provider under 50 concurrent callers', async () => {
    harness = await startHarness({ env: { CRM_RATE_PER_SECOND: '10' }, crmLimitPerSecond: 10 });
    const clients: TestClient[] = [];
    for (let i = 0; i < 5; i++) clients.push(await harness.connect(i % 2 ? 'legacy' : 'modern'));
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        (clients[i % clients.length] as TestClient).callTool('crm_search', {
          objectType: 'contacts',
          query: `q${i}`,
        }),
      ),
    );
    const perSecond = [...harness.crm.perSecond.values()];
    expect(Math.max(...perSecond)).toBeLessThanOrEqual(10);
    // The provider never had to refuse: the client held itself to the rate.
    expect(harness.crm.rateLimited).toBe(0);
    const ok = results.filter((r) => !r.isError).length;
    const refused = results.map(failure).filter((e) => e !== undefined);
    expect(ok + refused.length).toBe(50);
    expect(ok).toBeGreaterThanOrEqual(10);
    // Callers beyond what the rate lets out are refused, coded and retryable: RATE_LIMITED (with the
    // wait) when the token would come too late, UPSTREAM_TIMEOUT when the call's deadline passed in the queue.
    for (const error of refused) {
      expect(['RATE_LIMITED', 'UPSTREAM_TIMEOUT']).toContain(error.code);
      expect(error.retryable).toBe(true);
      if (error.code === 'RATE_LIMITED') expect(error.retryAfterMs).toBeGreaterThan(0);
    }
    expect(harness.crm.tokensIssued).toBe(1);
  });

  it('honours a 429 with Retry-After and succeeds, fetching one OAuth2 token for every call', async () => {
    harness = await startHarness();
    const retries: number[] = [];
    harness.business.builder.telemetry.on('upstream.retry', (event) => {
      if (event.upstream === 'crm') retries.push(event.delayMs);
    });
    const client = await harness.connect('modern');
    expect(failure(await client.callTool('crm_search', { objectType: 'deals' }))).toBeUndefined();
    harness.crm.throttleNext(1, 1);
    const result = await client.callTool('crm_search', { objectType: 'deals' });
    expect(failure(result)).toBeUndefined();
    expect(harness.crm.rateLimited).toBe(1);
    expect(retries).toHaveLength(1);
    expect(retries[0]).toBeGreaterThanOrEqual(1_000);
    expect(harness.crm.tokensIssued).toBe(1);
  });

  it('fails at once with RATE_LIMITED and the wait when Retry-After is longer than it would wait', async () => {
    harness = await startHarness();
    const client = await harness.connect('legacy');
    harness.crm.throttleNext(1, 60);
    const error = failure(await client.callTool('crm_get', { objectType: 'contacts', id: '1' }));
    expect(error?.code).toBe('RATE_LIMITED');
    expect(error?.retryAfterMs).toBe(60_000);
  });
});
