import type { TestClient } from '@mcpkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint, type Harness, seedSchema, startHarness } from './fixtures/harness.js';
import { HOSTILE } from './fixtures/hostile-sql.js';

const SCHEMA = `biz_sql_${process.pid}`;
const CODES = new Set(['VALIDATION_FAILED', 'FORBIDDEN', 'UPSTREAM_TIMEOUT']);
let harness: Harness;
let client: TestClient;
let before: string;

beforeAll(async () => {
  // Fails (never skips) when PostgreSQL is down: the seed connects first.
  await seedSchema(SCHEMA);
  before = await fingerprint(SCHEMA);
  harness = await startHarness({ schema: SCHEMA, env: { DATABASE_STATEMENT_TIMEOUT_MS: '300' } });
  client = await harness.connect('modern');
});
afterAll(() => harness?.close());

describe('db_query against hostile input (real PostgreSQL)', () => {
  it(`refuses all ${HOSTILE.length} hostile inputs with a coded error, leaks nothing and writes nothing`, async () => {
    expect(HOSTILE.length).toBeGreaterThanOrEqual(50);
    const outcomes: Array<{ tries: string; code: string | undefined; reason: unknown }> = [];
    for (const input of HOSTILE) {
      const result = await client.callTool('db_query', { sql: input.sql, params: input.params ?? [] });
      const error = (
        result.structuredContent as { error?: { code?: string; details?: { reason?: unknown } } } | undefined
      )?.error;
      outcomes.push({
        tries: input.tries,
        code: result.isError ? error?.code : 'ANSWERED',
        reason: error?.details?.reason,
      });
      const text = JSON.stringify(result);
      expect(text, input.tries).not.toMatch(/SSN-|top-secret-value|rolpassword|md5[0-9a-f]{32}|SCRAM-SHA/);
    }
    const uncoded = outcomes.filter((o) => !CODES.has(o.code ?? ''));
    expect(uncoded).toEqual([]);
    // Everything the guard refuses says which rule; the few PostgreSQL answers say so too.
    expect(outcomes.filter((o) => o.reason === undefined).map((o) => o.tries)).toEqual([
      'huge query text',
      'too many parameters',
    ]);
    expect(await fingerprint(SCHEMA)).toBe(before);
  });

  it('caps a cross join instead of returning it whole', async () => {
    const result = await client.callTool('db_query', {
      sql: 'SELECT a.id, b.id AS other FROM orders a, orders b',
    });
    expect(result.isError ?? false).toBe(false);
    expect(result.structuredContent).toMatchObject({ rowCount: 500, truncated: true });
  });

  it('keeps comments inert: a commented-out write is not run', async () => {
    const result = await client.callTool('db_query', {
      sql: 'SELECT id FROM orders WHERE id = $1 -- ; DELETE FROM orders',
      params: [7],
    });
    expect(result.structuredContent).toMatchObject({ rows: [[7]], truncated: false });
    expect(await fingerprint(SCHEMA)).toBe(before);
  });

  it('answers a statement timeout with UPSTREAM_TIMEOUT and a hint, and the pool keeps serving', async () => {
    const slow = await client.callTool('db_query', {
      sql: 'SELECT count(*) FROM orders a, orders b, orders c',
    });
    const error = (slow.structuredContent as { error: { code: string; hint?: string } }).error;
    expect(error.code).toBe('UPSTREAM_TIMEOUT');
    expect(error.hint).toMatch(/Narrow the query/);
    const next = await client.callTool('db_query', { sql: 'SELECT count(*) AS n FROM customers' });
    expect(next.structuredContent).toMatchObject({ rows: [['3000']] });
  });
});
