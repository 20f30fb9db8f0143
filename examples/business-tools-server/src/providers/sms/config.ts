import { secret } from '@mcpkit/core';
import * as z from 'zod';

/** E.164: a plus, a country code that does not start with 0, up to 15 digits in all. */
export const E164 = /^\+[1-9]\d{1,14}$/;

/** Environment variables of the SMS provider (Twilio-shaped API). */
export const smsConfig = z.object({
  SMS_ACCOUNT_SID: z.string().regex(/^AC[0-9a-f]{32}$/, 'must be "AC" followed by 32 hex digits'),
  SMS_AUTH_TOKEN: secret(z.string().min(16, 'must be at least 16 characters')),
  SMS_FROM: z.string().regex(E164, 'must be an E.164 number such as +15005550006'),
  SMS_API_URL: z.url().default('https://api.twilio.com'),
  /** Secret the provider signs status callbacks with (webhook-signature, HMAC-SHA256, timestamped). */
  SMS_WEBHOOK_SECRET: secret(z.string().min(16, 'must be at least 16 characters')),
  SMS_DEADLINE_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  SMS_RATE_PER_SECOND: z.coerce.number().min(1).max(1_000).default(50),
});

/** The validated SMS configuration. */
export type SmsConfig = z.output<typeof smsConfig>;
