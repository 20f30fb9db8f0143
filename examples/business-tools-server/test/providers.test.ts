import type { TestClient } from '@mcpkit/testing';
import { mcpkitMatchers } from '@mcpkit/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, seedSchema, startHarness } from './fixtures/harness.js';

expect.extend(mcpkitMatchers);

const SCHEMA = `biz_tools_${process.pid}`;
let harness: Harness;

beforeAll(async () => {
  await seedSchema(SCHEMA);
  harness = await startHarness({ schema: SCHEMA });
});
afterAll(() => harness?.close());

const structured = <T>(result: { structuredContent?: unknown; isError?: boolean }): T => {
  expect(result.isError ?? false, JSON.stringify(result.structuredContent)).toBe(false);
  return result.structuredContent as T;
};

describe.each(['modern', 'legacy'] as const)('providers through the official client (%s era)', (era) => {
  let client: TestClient;
  beforeAll(async () => {
    client = await harness.connect(era);
  });

  it('lists the tools of every enabled provider', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([
      'crm_associate',
      'crm_create',
      'crm_get',
      'crm_search',
      'crm_update',
      'db_describe_table',
      'db_query',
      'notify_webhook',
      'sms_list_messages',
      'sms_send',
      'sms_status',
    ]);
  });

  it('sends an SMS, records its verified status callbacks, and reports its status', async () => {
    const sent = structured<{ message: { sid: string; status: string; to: string } }>(
      await client.callTool('sms_send', { to: '+447700900123', body: `hello from ${era}` }),
    );
    expect(sent.message).toMatchObject({ status: 'queued', to: '+447700900123' });
    // Callbacks of other sends (the other era's, the list test's) may still be on their way: wait
    // for this message's own, as the server saw them.
    let status: { message: { status: string }; lastCallback?: { status: string } } | undefined;
    for (let i = 0; i < 200 && status?.lastCallback?.status !== 'delivered'; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 10));
      status = structured<{ message: { status: string }; lastCallback?: { status: string } }>(
        await client.callTool('sms_status', { sid: sent.message.sid }),
      );
    }
    if (status === undefined) throw new Error('sms_status never answered');
    const verified = harness.sms.callbacks.filter(
      (c) => c.url.endsWith('/webhooks/sms/status') && c.answered === 200,
    );
    expect(verified.length).toBeGreaterThanOrEqual(2);
    expect(status.message.status).toBe('delivered');
    expect(status.lastCallback?.status).toBe('delivered');
  });

  it('refuses a number that is not E.164 before calling the provider', async () => {
    const before = harness.sms.requests;
    const result = await client.callTool('sms_send', { to: '07700 900123', body: 'x' });
    expect(result).toBeToolError('VALIDATION_FAILED');
    expect(harness.sms.requests).toBe(before);
  });

  it('lists messages page by page with opaque cursors, and refuses a forged cursor', async () => {
    const to = era === 'modern' ? '+15551230001' : '+15551230002';
    for (let i = 0; i < 5; i++) await client.callTool('sms_send', { to, body: `n${i}` });
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = structured<{ messages: Array<{ body: string }>; nextCursor?: string }>(
        await client.callTool('sms_list_messages', { to, limit: 2, ...(cursor ? { cursor } : {}) }),
      );
      seen.push(...page.messages.map((m) => m.body));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(['n4', 'n3', 'n2', 'n1', 'n0']);
    const forged = await client.callTool('sms_list_messages', {
      to,
      cursor: Buffer.from('["../../x",2,null]').toString('base64url'),
    });
    expect(forged).toBeToolError('VALIDATION_FAILED');
  });

  it('creates, updates, searches, associates and gets CRM contacts and deals', async () => {
    const email = `ada-${era}@example.com`;
    const contact = structured<{ object: { id: string } }>(
      await client.callTool('crm_create', {
        objectType: 'contacts',
        properties: { email, firstname: 'Ada' },
      }),
    ).object;
    const deal = structured<{ object: { id: string } }>(
      await client.callTool('crm_create', {
        objectType: 'deals',
        properties: { dealname: `Big ${era}`, amount: '1000' },
      }),
    ).object;
    const updated = structured<{ object: { properties: Record<string, string> } }>(
      await client.callTool('crm_update', {
        objectType: 'contacts',
        id: contact.id,
        properties: { lastname: 'Lovelace' },
      }),
    );
    expect(updated.object.properties).toMatchObject({ email, firstname: 'Ada', lastname: 'Lovelace' });
    const found = structured<{ total: number; results: Array<{ id: string }> }>(
      await client.callTool('crm_search', {
        objectType: 'contacts',
        filters: [{ propertyName: 'email', operator: 'EQ', value: email }],
      }),
    );
    expect(found.results.map((r) => r.id)).toEqual([contact.id]);
    structured(
      await client.callTool('crm_associate', {
        fromType: 'contacts',
        fromId: contact.id,
        toType: 'deals',
        toId: deal.id,
      }),
    );
    const got = structured<{ object: { associations?: Record<string, string[]> } }>(
      await client.callTool('crm_get', { objectType: 'contacts', id: contact.id }),
    );
    expect(got.object.associations?.deals).toEqual([deal.id]);
    expect(await client.callTool('crm_get', { objectType: 'deals', id: '999999' })).toBeToolError(
      'NOT_FOUND',
    );
  });

  it('queries the database read-only with typed columns and describes an allowed table', async () => {
    const result = structured<{
      columns: Array<{ name: string; type: string }>;
      rows: unknown[][];
      truncated: boolean;
    }>(
      await client.callTool('db_query', {
        sql: 'SELECT c.id, c.name, count(o.id) AS orders FROM customers c JOIN orders o ON o.customer_id = c.id WHERE c.id <= $1 GROUP BY c.id, c.name ORDER BY c.id',
        params: [3],
      }),
    );
    expect(result.columns).toEqual([
      { name: 'id', type: 'integer' },
      { name: 'name', type: 'text' },
      { name: 'orders', type: 'bigint' },
    ]);
    expect(result.rows).toEqual([
      [1, 'Customer 1', '1'],
      [2, 'Customer 2', '1'],
      [3, 'Customer 3', '1'],
    ]);
    const described = structured<{ columns: Array<{ name: string }> }>(
      await client.callTool('db_describe_table', { table: 'customers' }),
    );
    expect(described.columns.map((c) => c.name)).toEqual(['id', 'name', 'email']);
    expect(await client.callTool('db_describe_table', { table: 'secrets' })).toBeToolError('NOT_FOUND');
  });

  it('caps a large result and says it is truncated', async () => {
    const result = structured<{ rowCount: number; truncated: boolean }>(
      await client.callTool('db_query', { sql: 'SELECT id FROM orders' }),
    );
    expect(result).toMatchObject({ rowCount: 500, truncated: true });
  });

  it('delivers a signed webhook, retrying a failing receiver', async () => {
    harness.receiver.statuses.push(503, 503);
    const before = harness.receiver.received.length;
    const result = structured<{ id: string; delivered: boolean }>(
      await client.callTool('notify_webhook', {
        url: `${harness.receiver.url}deals`,
        event: 'deal.won',
        data: { dealId: '1' },
      }),
    );
    const deliveries = harness.receiver.received.slice(before);
    expect(deliveries).toHaveLength(3);
    expect(new Set(deliveries.map((d) => d.headers['webhook-id']))).toEqual(new Set([result.id]));
    expect(deliveries[0]?.headers['webhook-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(JSON.parse(deliveries[2]?.body ?? '{}')).toMatchObject({
      id: result.id,
      event: 'deal.won',
      data: { dealId: '1' },
    });
  });

  it('refuses a webhook URL outside the allowed prefixes', async () => {
    const result = await client.callTool('notify_webhook', {
      url: 'http://169.254.169.254/latest',
      event: 'x',
      data: {},
    });
    expect(result).toBeToolError('FORBIDDEN');
  });
});
