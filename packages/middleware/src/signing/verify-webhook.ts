import { createHmac, timingSafeEqual } from 'node:crypto';
import { type Clock, clockNow, McpkitError, type RouteRequest } from '@mcpkit/core';

/** Options of {@link verifyWebhook} and {@link signWebhook}. */
export interface WebhookOptions {
  /** Shared signing secret. */
  secret: string;
  /** Largest accepted age (and clock skew) of a delivery, in ms. Default: 300 000 (5 minutes). */
  toleranceMs?: number;
  /** Header carrying `t=<unix seconds>,v1=<hex hmac>[,v1=…]`. Default: `webhook-signature`. */
  header?: string;
  /** Clock in ms. Default: `clock`'s. */
  now?: () => number;
  /** The clock read when `now` is not given (see `Clock`). Default: `systemClock`. */
  clock?: Clock;
}

function mac(secret: string, timestamp: string, body: string): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest();
}

/** The signature header value for a body (what a webhook sender puts in the header). */
export function signWebhook(body: string, options: Pick<WebhookOptions, 'secret' | 'now'>): string {
  const timestamp = String(Math.floor(clockNow(options)() / 1000));
  return `t=${timestamp},v1=${mac(options.secret, timestamp, body).toString('hex')}`;
}

const refuse = (reason: string, message: string) =>
  new McpkitError('UNAUTHORIZED', message, { retryable: false, details: { reason } });

/**
 * Builds a webhook verifier for `.route()` handlers: reads the raw body, checks the Stripe-style
 * `t=…,v1=…` header (HMAC-SHA256 over `"<t>.<body>"`, constant-time, any of several `v1` during
 * secret rotation) and the timestamp tolerance, and resolves to the verified raw body.
 */
export function verifyWebhook(options: WebhookOptions): (req: RouteRequest) => Promise<string> {
  const header = (options.header ?? 'webhook-signature').toLowerCase();
  const tolerance = options.toleranceMs ?? 300_000;
  const now = clockNow(options);
  return async (req) => {
    const body = await req.text();
    const value = req.headers[header];
    if (!value) throw refuse('missing', 'The webhook is not signed.');
    let timestamp: string | undefined;
    const signatures: Buffer[] = [];
    for (const part of value.split(',')) {
      const [key, v] = part.trim().split('=', 2) as [string, string | undefined];
      if (key === 't') timestamp = v;
      if (key === 'v1' && v && /^[0-9a-f]{64}$/.test(v)) signatures.push(Buffer.from(v, 'hex'));
    }
    if (timestamp === undefined || !/^\d{1,12}$/.test(timestamp) || signatures.length === 0) {
      throw refuse('malformed', 'The webhook signature header is malformed.');
    }
    if (Math.abs(now() - Number(timestamp) * 1000) > tolerance) {
      throw refuse('stale', 'The webhook timestamp is outside the accepted window.');
    }
    const expected = mac(options.secret, timestamp, body);
    let valid = false;
    for (const signature of signatures) if (timingSafeEqual(signature, expected)) valid = true;
    if (!valid) throw refuse('bad_signature', 'The webhook signature does not verify.');
    return body;
  };
}
