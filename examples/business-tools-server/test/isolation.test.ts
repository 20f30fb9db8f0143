import type { TestClient } from '@mcpkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, seedSchema, startHarness } from './fixtures/harness.js';

// The scenario hangs the CRM for 10 s; a 2 s hang against a 200 ms attempt timeout and a
// 600 ms call deadline makes the same point (the hang outlasts every deadline) in a fraction of the time.
const SCHEMA = `biz_iso_${process.pid}`;
let harness: Harness;
let client: TestClient;

beforeAll(async () => {
  await seedSchema(SCHEMA);
  harness = await startHarness({
    schema: SCHEMA,
    env: { CRM_ATTEMPT_TIMEOUT_MS: '200', CRM_DEADLINE_MS: '600' },
  });
  client = await harness.connect('modern');
});
afterAll(() => harness?.close());

const codeOf = (result: { isError?: boolean; structuredContent?: unknown }) =>
  result.isError ? (result.structuredContent as { error: { code: string } }).error.code : 'OK';

describe('one provider down, the others unaffected', () => {
  it('opens the CRM breaker on a hanging provider, fails CRM calls fast with CIRCUIT_OPEN, while 200 SMS and database calls succeed', async () => {
    // Warm the token first: the hang is on the CRM's API, as in an outage behind a healthy auth server.
    expect(codeOf(await client.callTool('crm_search', { objectType: 'contacts' }))).toBe('OK');
    harness.crm.faults.hangMs = 2_000;

    const early: string[] = [];
    for (let i = 0; i < 3; i++)
      early.push(codeOf(await client.callTool('crm_get', { objectType: 'contacts', id: '1' })));
    expect(early[0]).toBe('UPSTREAM_TIMEOUT');
    expect(early.at(-1)).toBe('CIRCUIT_OPEN');

    const sentBefore = harness.crm.requests;
    const crmCalls = Array.from({ length: 20 }, () =>
      client.callTool('crm_get', { objectType: 'deals', id: '1' }),
    );
    const others = Array.from({ length: 200 }, (_, i) =>
      i % 2 === 0
        ? client.callTool('sms_send', { to: `+1555000${String(i).padStart(4, '0')}`, body: `isolation ${i}` })
        : client.callTool('db_query', { sql: 'SELECT id, name FROM customers WHERE id = $1', params: [i] }),
    );
    const [crmResults, otherResults] = await Promise.all([Promise.all(crmCalls), Promise.all(others)]);
    expect(new Set(crmResults.map(codeOf))).toEqual(new Set(['CIRCUIT_OPEN']));
    // An open breaker sends nothing to the provider.
    expect(harness.crm.requests).toBe(sentBefore);
    expect(otherResults.map(codeOf).filter((c) => c !== 'OK')).toEqual([]);

    const ready = await fetch(`${harness.server.origin}/readyz`);
    const report = (await ready.json()) as {
      checks: Record<string, { healthy: boolean; details?: Record<string, unknown> }>;
    };
    expect(report.checks['upstream:crm']).toMatchObject({ healthy: false, details: { breaker: 'open' } });
    expect(report.checks['upstream:sms']?.healthy).toBe(true);
    expect(report.checks.database?.healthy).toBe(true);

    const metrics = await (await fetch(`${harness.server.origin}/metrics`)).text();
    expect(metrics).toMatch(/mcpkit_breaker_state\{breaker="upstream:crm"\} 2/);
    expect(metrics).toMatch(
      /mcpkit_upstream_giveups_total\{upstream="crm",error_type="UPSTREAM_TIMEOUT"\} [1-9]/,
    );
  });
});
