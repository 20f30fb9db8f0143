import { createServer, isMcpkitError, silentLogger } from '@mcpkit/core';
import { serveForTest } from '@mcpkit/testing';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhook } from '../../src/index.js';

const SECRET = 'whsec_test_secret';

describe('verifyWebhook', () => {
  it('verifies deliveries to a .route() handler over the raw body, with tolerance', async () => {
    let now = Date.now();
    const received: unknown[] = [];
    const verify = verifyWebhook({ secret: SECRET, toleranceMs: 300_000, now: () => now });
    const server = await serveForTest(
      createServer({ name: 'hooks', version: '1.0.0', logger: silentLogger })
        .route('/webhooks/payments', async (req) => {
          try {
            received.push(JSON.parse(await verify(req)));
            return { status: 204 };
          } catch (error) {
            if (!isMcpkitError(error)) throw error;
            return { status: 401, body: JSON.stringify({ reason: error.details?.reason }) };
          }
        })
        .tool('noop', { description: 'Unused', handler: () => 'ok' }),
    );
    const deliver = (body: string, signature?: string) =>
      fetch(`${server.origin}/webhooks/payments`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(signature ? { 'webhook-signature': signature } : {}),
        },
        body,
      });
    try {
      const body = '{"type":"payment.succeeded","id":"evt_1"}';
      expect((await deliver(body, signWebhook(body, { secret: SECRET, now: () => now }))).status).toBe(204);
      const reasons: string[] = [];
      for (const [payload, signature] of [
        [body, undefined],
        [`${body} `, signWebhook(body, { secret: SECRET, now: () => now })],
        [body, signWebhook(body, { secret: 'wrong', now: () => now })],
        [body, 't=abc,v1=zz'],
        [body, signWebhook(body, { secret: SECRET, now: () => now - 301_000 })],
      ] as const) {
        const response = await deliver(payload, signature);
        expect(response.status).toBe(401);
        reasons.push(((await response.json()) as { reason: string }).reason);
      }
      expect(reasons).toEqual(['missing', 'bad_signature', 'bad_signature', 'malformed', 'stale']);
      // A rotated secret: the sender signs with both, the receiver knows the new one.
      now += 1_000;
      const rotated = `${signWebhook(body, { secret: 'old', now: () => now })},v1=${signWebhook(body, { secret: SECRET, now: () => now }).split('v1=')[1]}`;
      expect((await deliver(body, rotated)).status).toBe(204);
      expect(received).toHaveLength(2);
    } finally {
      await server.close();
    }
  });
});
