import { signWebhook } from '@mcpkit/middleware';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMS_STATUS_PATH } from '../src/providers/sms/index.js';
import { type Harness, startHarness } from './fixtures/harness.js';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => harness?.close());

const post = (body: string, signature: string | undefined) =>
  fetch(`${harness.server.origin}${SMS_STATUS_PATH}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(signature === undefined ? {} : { 'webhook-signature': signature }),
    },
    body,
  });

const event = (sid: string, status: string) =>
  new URLSearchParams({ MessageSid: sid, MessageStatus: status }).toString();
const sid = () =>
  `SM${'0'.repeat(24)}${Math.floor(Math.random() * 1e8)
    .toString(16)
    .padStart(8, '0')}`;

describe('inbound status webhook', () => {
  it('accepts a signed delivery once and acknowledges a new delivery of the same event without applying it', async () => {
    const id = sid();
    const body = event(id, 'delivered');
    const first = await post(body, signWebhook(body, { secret: harness.secrets.smsWebhook }));
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ received: true, duplicate: false });
    // The sender retries with a fresh signature a second later: same event, not applied twice.
    const again = await post(
      body,
      signWebhook(body, { secret: harness.secrets.smsWebhook, now: () => Date.now() + 1_000 }),
    );
    expect(await again.json()).toEqual({ received: true, duplicate: true });
  });

  it('refuses a replayed delivery with CONFLICT', async () => {
    const body = event(sid(), 'sent');
    const signature = signWebhook(body, { secret: harness.secrets.smsWebhook });
    expect((await post(body, signature)).status).toBe(200);
    const replay = await post(body, signature);
    expect(replay.status).toBe(409);
    expect(await replay.json()).toMatchObject({ error: { code: 'CONFLICT', details: { reason: 'replay' } } });
  });

  it('refuses a bad signature, a wrong secret, a stale timestamp and a missing signature with UNAUTHORIZED', async () => {
    const body = event(sid(), 'failed');
    const good = signWebhook(body, { secret: harness.secrets.smsWebhook });
    const cases: Array<[string | undefined, string]> = [
      [good.replace(/v1=./, (m) => `v1=${m.endsWith('0') ? '1' : '0'}`), 'bad_signature'],
      [signWebhook(body, { secret: 'someone-else-entirely-0123' }), 'bad_signature'],
      [signWebhook(body, { secret: harness.secrets.smsWebhook, now: () => Date.now() - 3_600_000 }), 'stale'],
      [undefined, 'missing'],
      ['t=1,v1=zz', 'malformed'],
    ];
    for (const [signature, reason] of cases) {
      const response = await post(body, signature);
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: { code: 'UNAUTHORIZED', details: { reason } } });
    }
    // A body changed after signing does not verify either.
    const tampered = await post(event(sid(), 'delivered'), good);
    expect(tampered.status).toBe(401);
  });

  it('refuses a verified body that is not a status event with VALIDATION_FAILED', async () => {
    const body = 'hello=world';
    const response = await post(body, signWebhook(body, { secret: harness.secrets.smsWebhook }));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
  });
});
