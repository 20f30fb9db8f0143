import { randomUUID } from 'node:crypto';
import { McpkitError } from '@mcpkit/core';
import { signWebhook } from '@mcpkit/middleware';
import { createUpstream } from '@mcpkit/resilience';
import * as z from 'zod';
import { defineProvider } from '../../provider.js';
import { webhooksConfig } from './config.js';

/** Outbound webhooks: signed (HMAC, timestamped), retried with backoff, only to allowed URLs. */
export default defineProvider({
  name: 'webhooks',
  description: 'Signed outbound webhook deliveries to allowed URLs',
  config: webhooksConfig,
  install(builder, config) {
    const upstream = createUpstream('webhooks', {
      attemptTimeoutMs: 2_000,
      deadlineMs: config.WEBHOOK_DEADLINE_MS,
      retry: { maxAttempts: config.WEBHOOK_MAX_ATTEMPTS, baseDelayMs: 200, maxDelayMs: 2_000 },
      breaker: { kind: 'consecutive', failures: 10, halfOpenAfterMs: 10_000 },
      bulkhead: { maxConcurrent: 16, maxQueue: 64 },
      // The delivery id is the idempotency key: receivers deduplicate retries by it.
      idempotency: { header: 'webhook-id' },
    });
    builder.use(upstream);

    builder.tool('notify_webhook', {
      description:
        'Delivers a JSON event to an allowed webhook URL, signed with HMAC-SHA256 over a timestamp and the body; retried with backoff until the receiver answers 2xx.',
      input: {
        url: z.url().max(2_000),
        event: z
          .string()
          .regex(/^[a-z][a-z0-9_.]{0,99}$/, 'event names are lower-case dotted, e.g. deal.won'),
        data: z.record(z.string(), z.unknown()),
      },
      output: { id: z.string(), status: z.number(), delivered: z.literal(true) },
      annotations: { openWorldHint: true, idempotentHint: false },
      handler: async (args, ctx) => {
        if (!config.WEBHOOK_ALLOWED_URLS.some((prefix) => args.url.startsWith(prefix))) {
          throw new McpkitError('FORBIDDEN', 'This URL is not an allowed webhook destination.', {
            retryable: false,
            hint: `Deliver to a URL starting with one of: ${config.WEBHOOK_ALLOWED_URLS.join(', ')}.`,
          });
        }
        const id = randomUUID();
        const body = JSON.stringify({
          id,
          event: args.event,
          data: args.data,
          sentAt: new Date().toISOString(),
        });
        const response = await upstream.request('POST', args.url, {
          ctx,
          body,
          idempotencyKey: id,
          headers: {
            'content-type': 'application/json',
            'webhook-signature': signWebhook(body, { secret: config.WEBHOOK_SIGNING_SECRET }),
          },
        });
        return { id, status: response.status, delivered: true as const };
      },
    });
  },
});
