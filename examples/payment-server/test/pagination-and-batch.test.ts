import type { CapturedProgress, TestClient } from '@mcpkit/testing';
import { expectToolError } from '@mcpkit/testing';
import { mcpkitMatchers } from '@mcpkit/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNoLeaks, KEYS, startPayments, tamperedCursor } from './support/harness.js';

expect.extend(mcpkitMatchers);

type Payments = Awaited<ReturnType<typeof startPayments>>;
type Page = { items: Array<{ id: string }>; nextCursor?: string };

afterAll(() => {
  assertNoLeaks('pagination and batch');
});

describe.each(['modern', 'legacy'] as const)('pagination and batches (%s era)', (era) => {
  // A sandbox per era, so each run starts from an empty provider.
  let env: Payments;
  let client: TestClient;
  beforeAll(async () => {
    env = await startPayments({ refundBatch: { maxItems: 50, concurrency: 5 } });
    client = await env.instance.connect({ era, key: KEYS.unattended });
  });
  afterAll(async () => {
    await client.close();
    await env.close();
  });

  it('lists 1,000 sandbox charges in pages of 50, each exactly once; a tampered or foreign cursor is VALIDATION_FAILED', async () => {
    const store = env.sandbox.store;
    for (let i = 0; i < 1000; i++)
      store.createCharge({ amount: 2000 + i, currency: 'thb', card: 'tokn_test_visa' });
    const expected = [...store.charges.keys()];
    expect(expected).toHaveLength(1000);

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    const cursors: string[] = [];
    do {
      const result = await client.callTool('list_charges', { limit: 50, ...(cursor ? { cursor } : {}) });
      expect(result.isError).toBeFalsy();
      const page = result.structuredContent as Page;
      seen.push(...page.items.map((c) => c.id));
      cursor = page.nextCursor;
      if (cursor) cursors.push(cursor);
      pages += 1;
    } while (cursor && pages < 100);
    console.log(
      `[acceptance 3] ${era}: ${pages} pages of 50, ${seen.length} charges, ${new Set(seen).size} distinct, order matches sandbox: ${JSON.stringify(seen) === JSON.stringify(expected)}`,
    );
    expect(pages).toBe(20);
    expect(seen).toEqual(expected);

    const valid = cursors[3] as string;
    const [body, signature] = valid.split('.') as [string, string];
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
    const forged = `${Buffer.from(JSON.stringify({ ...payload, o: 0 })).toString('base64url')}.${signature}`;
    for (const bad of [forged, tamperedCursor(valid), 'garbage', `${body}.`]) {
      const error = expectToolError(
        await client.callTool('list_charges', { cursor: bad }),
        'VALIDATION_FAILED',
      );
      expect(error.hint).toMatch(/nextCursor/);
    }
    // A cursor of list_charges is foreign to search_charges, and to the same search with other filters.
    expect(await client.callTool('search_charges', { cursor: valid })).toBeToolError('VALIDATION_FAILED');
    const search = (await client.callTool('search_charges', { currency: 'thb', limit: 10 }))
      .structuredContent as Page;
    const foreign = expectToolError(
      await client.callTool('search_charges', { currency: 'jpy', cursor: search.nextCursor }),
      'VALIDATION_FAILED',
    );
    expect(foreign.details).toMatchObject({ reason: 'foreign' });
  }, 60_000);

  it('refunds 50 charges with 5 failing: 45 refunds, 5 coded errors, one progress per item, never above 5 at once', async () => {
    const store = env.sandbox.store;
    const good = Array.from(
      { length: 45 },
      (_, i) =>
        store.createCharge({ amount: 5000 + i, currency: 'thb', card: 'tokn_test_visa' }).body.id as string,
    );
    const pending = Array.from(
      { length: 3 },
      () => store.createCharge({ amount: 5000, currency: 'thb', card: 'tokn_test_3ds' }).body.id as string,
    );
    const items = [
      ...good.map((chargeId) => ({ chargeId })),
      ...pending.map((chargeId) => ({ chargeId })),
      { chargeId: 'chrg_test_missing1' },
      { chargeId: 'chrg_test_missing2' },
    ];
    // Interleave failures among successes.
    items.sort((a, b) => (a.chargeId < b.chargeId ? -1 : 1));
    env.sandbox.setFaults({ latencyMs: 20 });
    env.sandbox.stats.maxInFlight = 0;
    const progress: CapturedProgress[] = [];
    const result = await client.callTool(
      'refund_charges',
      { items },
      { onProgress: (p) => progress.push(p) },
    );
    env.sandbox.setFaults({});
    expect(result.isError).toBeFalsy();
    const batch = result.structuredContent as {
      total: number;
      succeeded: number;
      failed: number;
      results: Array<{
        index: number;
        ok: boolean;
        value?: { charge: string };
        error?: { code: string; details?: Record<string, unknown> };
      }>;
    };
    const codes = batch.results
      .filter((r) => !r.ok)
      .map((r) => r.error?.code)
      .sort();
    console.log(
      `[acceptance 4] ${era}: ${batch.total} items → ${batch.succeeded} refunded, ${batch.failed} failed (${codes.join(', ')}); ${progress.length} progress notifications; max ${env.sandbox.stats.maxInFlight} provider requests at once (bound 5)`,
    );
    expect(batch).toMatchObject({ total: 50, succeeded: 45, failed: 5 });
    expect(codes).toEqual([
      'NOT_FOUND',
      'NOT_FOUND',
      'VALIDATION_FAILED',
      'VALIDATION_FAILED',
      'VALIDATION_FAILED',
    ]);
    for (const entry of batch.results) {
      const item = items[entry.index] as { chargeId: string };
      if (entry.ok) expect(entry.value?.charge).toBe(item.chargeId);
    }
    expect(progress).toHaveLength(50);
    expect(progress.map((p) => p.progress)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(env.sandbox.stats.maxInFlight).toBeLessThanOrEqual(5);
    expect(env.sandbox.stats.maxInFlight).toBeGreaterThan(1);
    for (const id of good) expect(store.charges.get(id)?.status).toBe('refunded');
    // One confirmation-free call by an unattended key; 51 items is over the bound.
    const tooMany = Array.from({ length: 51 }, (_, i) => ({ chargeId: `chrg_test_x${i}` }));
    expect(await client.callTool('refund_charges', { items: tooMany })).toBeToolError('VALIDATION_FAILED');
  }, 60_000);
});
