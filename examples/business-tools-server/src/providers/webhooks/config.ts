import { secret } from '@mcpkit/core';
import * as z from 'zod';

/** Environment variables of the outbound webhooks provider. */
export const webhooksConfig = z.object({
  /** Secret every delivery is signed with (`webhook-signature: t=…,v1=<HMAC-SHA256>`). */
  WEBHOOK_SIGNING_SECRET: secret(z.string().min(16, 'must be at least 16 characters')),
  /** Comma-separated URL prefixes deliveries may go to, e.g. `https://hooks.example.com/`. */
  WEBHOOK_ALLOWED_URLS: z.string().transform((value, ctx) => {
    const prefixes = value
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean);
    const bad = prefixes.find((p) => !/^https?:\/\/[^/\s]+\//.test(p));
    if (prefixes.length === 0 || bad !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'must list http(s) URL prefixes ending in a path slash, e.g. https://hooks.example.com/',
      });
      return z.NEVER;
    }
    return prefixes;
  }),
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(4),
  WEBHOOK_DEADLINE_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
});

/** The validated webhooks configuration. */
export type WebhooksConfig = z.output<typeof webhooksConfig>;
