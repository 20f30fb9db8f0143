import { signWebhook } from '@mcpkit/middleware';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNoLeaks, type Instance, SECRETS, startPayments } from './support/harness.js';

// The server's extra HTTP routes: Prometheus metrics and the provider's webhooks.

let env: Awaited<ReturnType<typeof startPayments>>;
let instance: Instance;

beforeAll(async () => {
  env = await startPayments();
  instance = env.instance;
});
afterAll(async () => {
  await env.close();
  assertNoLeaks('routes');
});

describe('metrics route', () => {
  it('serves Prometheus text with the tool calls and the upstream', async () => {
    const robot = await instance.connect();
    await robot.callTool('create_charge', { amount: 2000, currency: 'thb', card: 'tokn_test_visa' });
    await robot.close();
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
