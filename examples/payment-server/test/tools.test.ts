import { signWebhook } from '@mcpkit/middleware';
import { expectToolError, type TestClient } from '@mcpkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertNoLeaks,
  CARD,
  collected,
  type Instance,
  KEYS,
  SECRETS,
  startPayments,
} from './support/harness.js';

type Payments = Awaited<ReturnType<typeof startPayments>>;
type Json = Record<string, unknown>;
const data = (result: { structuredContent?: unknown }) => result.structuredContent as Json;

let env: Payments;
let instance: Instance;

beforeAll(async () => {
  env = await startPayments();
  instance = env.instance;
});
afterAll(async () => {
  await env.close();
  assertNoLeaks('tools');
});

describe.each(['modern', 'legacy'] as const)('payment tools over HTTP (%s era)', (era) => {
  let robot: TestClient;
  let reader: TestClient;
  beforeAll(async () => {
    robot = await instance.connect({
      era,
      key: KEYS.unattended,
      headers: { 'x-api-key': KEYS.unattended, 'x-request-id': `req-${era}-0001` },
    });
    reader = await instance.connect({ era, key: KEYS.reader });
  });
  afterAll(async () => {
    await robot.close();
    await reader.close();
  });

  it('lists every tool with an input and an output schema', async () => {
    const { tools } = await robot.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(
      [
        'capture_charge',
        'create_charge',
        'create_customer',
        'create_refund',
        'create_transfer',
        'delete_customer',
        'get_charge',
        'get_customer',
        'list_charges',
        'list_customers',
        'list_refunds',
        'list_transfers',
        'refund_charges',
        'reverse_charge',
        'search_charges',
        'update_customer',
      ].sort(),
    );
    for (const tool of tools) expect(tool.outputSchema, tool.name).toBeDefined();
  });

  it('creates, reads, updates, lists and deletes a customer', async () => {
    const created = data(
      await robot.callTool('create_customer', { email: `ada-${era}@example.com`, description: 'first' }),
    );
    expect(created.id).toMatch(/^cust_test_/);
    const id = created.id as string;
    expect(data(await robot.callTool('get_customer', { customerId: id })).email).toBe(
      `ada-${era}@example.com`,
    );
    expect(
      data(await robot.callTool('update_customer', { customerId: id, description: 'second' })).description,
    ).toBe('second');
    // The update voided the cached read.
    expect(data(await robot.callTool('get_customer', { customerId: id })).description).toBe('second');
    const listed = data(await robot.callTool('list_customers', { limit: 100 })).items as Json[];
    expect(listed.map((c) => c.id)).toContain(id);
    expect(data(await robot.callTool('delete_customer', { customerId: id }))).toEqual({ id, deleted: true });
    const gone = expectToolError(await robot.callTool('get_customer', { customerId: id }), 'NOT_FOUND');
    expect(gone.details).toMatchObject({ status: 404, providerCode: 'not_found' });
    expect(JSON.stringify(gone)).not.toContain('was not found');
  });

  it('charges a card token, audits the movement with amount and idempotency key, and forwards the request id', async () => {
    const charge = data(
      await robot.callTool('create_charge', {
        amount: 2500,
        currency: 'thb',
        card: 'tokn_test_visa',
        idempotencyKey: `order-${era}-1`,
      }),
    );
    expect(charge).toMatchObject({ amount: 2500, currency: 'thb', status: 'successful', paid: true });
    expect(env.sandbox.requestIds).toContain(`req-${era}-0001`);
    await instance.payments.audit.flush();
    const record = collected.audit.find(
      (r) =>
        r.tool === 'create_charge' &&
        r.outcome === 'ok' &&
        JSON.stringify(r.fields).includes(charge.id as string),
    );
    expect(record?.caller).toBe('robot');
    expect(record?.fields).toMatchObject({
      payment: { action: 'charge', amount: 2500, currency: 'thb', objectId: charge.id },
    });
    expect((record?.fields?.payment as Json | undefined)?.idempotency).toMatch(/^mcp_/);
    // The same key again is the same charge, not a second one.
    const again = data(
      await robot.callTool('create_charge', {
        amount: 2500,
        currency: 'thb',
        card: 'tokn_test_visa',
        idempotencyKey: `order-${era}-1`,
      }),
    );
    expect(again.id).toBe(charge.id);
    const reused = expectToolError(
      await robot.callTool('create_charge', {
        amount: 9900,
        currency: 'thb',
        card: 'tokn_test_visa',
        idempotencyKey: `order-${era}-1`,
      }),
      'CONFLICT',
    );
    expect(reused.hint).toMatch(/new idempotencyKey/);
  });

  it('validates amounts per currency: THB needs 2000 satang, JPY 100 yen, whole numbers only', async () => {
    expectToolError(
      await robot.callTool('create_charge', { amount: 1500, currency: 'thb', card: 'tokn_test_visa' }),
      'VALIDATION_FAILED',
    );
    expect(
      data(await robot.callTool('create_charge', { amount: 1500, currency: 'jpy', card: 'tokn_test_visa' }))
        .status,
    ).toBe('successful');
    expectToolError(
      await robot.callTool('create_charge', { amount: 50, currency: 'jpy', card: 'tokn_test_visa' }),
      'VALIDATION_FAILED',
    );
    expectToolError(
      await robot.callTool('create_charge', { amount: 2000.5, currency: 'thb', card: 'tokn_test_visa' }),
      'VALIDATION_FAILED',
    );
    expectToolError(
      await robot.callTool('create_charge', { amount: 2000, currency: 'eur', card: 'tokn_test_visa' }),
      'VALIDATION_FAILED',
    );
    expectToolError(await robot.callTool('create_transfer', { amount: 100 }), 'VALIDATION_FAILED');
  });

  it('never accepts card data: numbers, CVCs and card numbers hidden in free text are refused', async () => {
    const before = env.sandbox.store.charges.size;
    for (const args of [
      { amount: 2000, currency: 'thb', card: CARD.number },
      { amount: 2000, currency: 'thb', card: 'tokn_test_visa', number: CARD.number, cvc: CARD.cvc },
      { amount: 2000, currency: 'thb', card: 'tokn_test_visa', description: `card ${CARD.spaced}` },
      { amount: 2000, currency: 'thb', card: 'tokn_test_visa', metadata: { note: CARD.number } },
    ]) {
      expectToolError(await robot.callTool('create_charge', args), 'VALIDATION_FAILED');
    }
    expect(env.sandbox.store.charges.size).toBe(before);
  });

  it('returns a 3-D Secure charge as pending with a hint, and captures or reverses an authorization', async () => {
    const pending = data(
      await robot.callTool('create_charge', { amount: 3000, currency: 'thb', card: 'tokn_test_3ds' }),
    );
    expect(pending.status).toBe('pending');
    expect(pending.next_action).toMatch(/3-D Secure/);
    const held = data(
      await robot.callTool('create_charge', {
        amount: 4000,
        currency: 'thb',
        card: 'tokn_test_visa',
        capture: false,
      }),
    );
    expect(held.next_action).toMatch(/capture_charge/);
    expect(data(await robot.callTool('get_charge', { chargeId: held.id })).status).toBe('pending');
    expect(data(await robot.callTool('capture_charge', { chargeId: held.id })).status).toBe('successful');
    // The capture voided the cached pending state.
    expect(data(await robot.callTool('get_charge', { chargeId: held.id })).status).toBe('successful');
    const other = data(
      await robot.callTool('create_charge', {
        amount: 4000,
        currency: 'thb',
        card: 'tokn_test_visa',
        capture: false,
      }),
    );
    expect(data(await robot.callTool('reverse_charge', { chargeId: other.id })).status).toBe('reversed');
    const declined = data(
      await robot.callTool('create_charge', { amount: 2000, currency: 'thb', card: 'tokn_test_declined' }),
    );
    expect(declined).toMatchObject({ status: 'failed', failure_code: 'insufficient_fund' });
  });

  it('refunds in part, lists refunds and transfers, and maps provider 4xx without its message', async () => {
    const charge = data(
      await robot.callTool('create_charge', { amount: 10_000, currency: 'thb', card: 'tokn_test_visa' }),
    );
    const refund = data(await robot.callTool('create_refund', { chargeId: charge.id, amount: 4000 }));
    expect(refund).toMatchObject({ amount: 4000, currency: 'thb', charge: charge.id });
    expect(data(await robot.callTool('get_charge', { chargeId: charge.id })).refunded_amount).toBe(4000);
    const refunds = data(await robot.callTool('list_refunds', { chargeId: charge.id })).items as Json[];
    expect(refunds.map((r) => r.id)).toEqual([refund.id]);
    const tooMuch = expectToolError(
      await robot.callTool('create_refund', { chargeId: charge.id, amount: 7000 }),
      'VALIDATION_FAILED',
    );
    expect(tooMuch.details).toMatchObject({ status: 400, providerCode: 'failed_refund' });
    expect(JSON.stringify(tooMuch)).not.toContain('exceeds the refundable');
    expectToolError(await robot.callTool('create_refund', { chargeId: 'chrg_test_nosuch' }), 'NOT_FOUND');
    const transfer = data(await robot.callTool('create_transfer', { amount: 50_000 }));
    expect(transfer).toMatchObject({ amount: 50_000, currency: 'thb' });
    expect(
      (data(await robot.callTool('list_transfers', { limit: 100 })).items as Json[]).map((t) => t.id),
    ).toContain(transfer.id);
  });

  it('searches charges by filter', async () => {
    await robot.callTool('create_charge', { amount: 700, currency: 'usd', card: 'tokn_test_visa' });
    const page = data(await robot.callTool('search_charges', { currency: 'usd', status: 'successful' }));
    const items = page.items as Json[];
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((c) => c.currency === 'usd' && c.status === 'successful')).toBe(true);
  });

  it('lets a payments:read key read but not move money', async () => {
    const list = await reader.callTool('list_charges', {});
    expect(list.isError).toBeFalsy();
    const refused = expectToolError(
      await reader.callTool('create_charge', { amount: 2000, currency: 'thb', card: 'tokn_test_visa' }),
      'FORBIDDEN',
    );
    expect(refused.details).toMatchObject({ reason: 'insufficient_scope' });
    expectToolError(await reader.callTool('create_customer', { email: 'x@example.com' }), 'FORBIDDEN');
  });

  it('asks an attended caller to confirm; a decline moves no money', async () => {
    const asked: string[] = [];
    let answer: 'accept' | 'decline' = 'accept';
    const alice = await instance.connect({
      era,
      key: KEYS.attended,
      elicitation: (params) => {
        asked.push(params.message);
        return answer === 'accept' ? { action: 'accept', content: { confirm: true } } : { action: 'decline' };
      },
    });
    const ok = await alice.callTool('create_charge', {
      amount: 2000,
      currency: 'thb',
      card: 'tokn_test_visa',
    });
    expect(data(ok).status).toBe('successful');
    expect(asked[0]).toMatch(/20\.00 THB/);
    answer = 'decline';
    const before = env.sandbox.store.charges.size;
    const declined = expectToolError(
      await alice.callTool('create_charge', { amount: 2000, currency: 'thb', card: 'tokn_test_visa' }),
      'FORBIDDEN',
    );
    expect(declined.details).toMatchObject({ consent: 'declined' });
    expect(env.sandbox.store.charges.size).toBe(before);
    await alice.close();
  });
});

describe('metrics route', () => {
  it('serves Prometheus text with the tool calls and the upstream', async () => {
    const response = await fetch(`${instance.served.origin}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain('create_charge');
    expect(text).not.toContain(SECRETS.secretKey);
  });
});

describe('webhook route', () => {
  const post = (body: string, signature: string) =>
    fetch(`${instance.served.origin}/webhooks/payments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'webhook-signature': signature },
      body,
    });

  it('accepts a signed event once, refuses its replay, and refuses bad signatures', async () => {
    const body = JSON.stringify({
      object: 'event',
      id: 'evnt_test_replay1',
      key: 'charge.update',
      data: { id: 'chrg_test_x', object: 'charge' },
    });
    expect((await post(body, signWebhook(body, { secret: SECRETS.webhookSecret }))).status).toBe(200);
    expect((await post(body, signWebhook(body, { secret: SECRETS.webhookSecret }))).status).toBe(409);
    expect((await post(body, signWebhook(body, { secret: 'whsec_wrong_secret_value' }))).status).toBe(401);
    const stale = signWebhook(body, { secret: SECRETS.webhookSecret, now: () => Date.now() - 3_600_000 });
    expect((await post(body, stale)).status).toBe(401);
    const bad = 'not json';
    expect((await post(bad, signWebhook(bad, { secret: SECRETS.webhookSecret }))).status).toBe(400);
  });
});
