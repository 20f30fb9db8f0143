import type { BaseContext } from '@mcpkit/core';
import { createUpstream, type Upstream } from '@mcpkit/resilience';
import * as z from 'zod';
import { notFoundAs } from '../../not-found.js';
import type { SmsConfig } from './config.js';

/** A message as the Twilio-shaped API describes it. */
export const messageSchema = z.object({
  sid: z.string(),
  to: z.string(),
  from: z.string(),
  body: z.string(),
  status: z.string(),
  date_created: z.string(),
  error_code: z.number().nullable().optional(),
});

/** One message. */
export type Message = z.output<typeof messageSchema>;

const pageSchema = z.object({
  messages: z.array(messageSchema),
  next_page_uri: z.string().nullable(),
});

/** The SMS provider's API client: one resilient upstream named `sms`. */
export interface MessagesApi {
  readonly upstream: Upstream;
  send(
    ctx: BaseContext,
    input: { to: string; body: string; statusCallback?: string; idempotencyKey?: string },
  ): Promise<Message>;
  get(ctx: BaseContext, sid: string): Promise<Message>;
  list(
    ctx: BaseContext,
    query: { to?: string; pageSize: number; pageToken?: string },
  ): Promise<{ messages: Message[]; nextPageToken?: string }>;
}

/** Creates the client: basic auth with the account credentials, deadlines, retries, breaker, bulkhead and outbound rate. */
export function createMessagesApi(config: SmsConfig): MessagesApi {
  const upstream = createUpstream('sms', {
    baseUrl: `${config.SMS_API_URL.replace(/\/+$/, '')}/2010-04-01/Accounts/${config.SMS_ACCOUNT_SID}`,
    auth: { type: 'basic', username: config.SMS_ACCOUNT_SID, password: config.SMS_AUTH_TOKEN },
    attemptTimeoutMs: Math.min(1_500, config.SMS_DEADLINE_MS),
    deadlineMs: config.SMS_DEADLINE_MS,
    retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1_000 },
    breaker: { kind: 'consecutive', failures: 5, halfOpenAfterMs: 10_000 },
    bulkhead: { maxConcurrent: 32, maxQueue: 64 },
    upstreamRateLimit: { ratePerSecond: config.SMS_RATE_PER_SECOND, maxWaitMs: 1_000 },
    // Twilio's 4xx bodies carry a numeric code and a message meant for the developer: safe to show.
    exposeErrorBody: ({ status, body }) => {
      if (status >= 500) return undefined;
      try {
        const parsed = JSON.parse(body) as { code?: unknown; message?: unknown };
        return typeof parsed.code === 'number' ? { providerCode: parsed.code } : undefined;
      } catch {
        return undefined;
      }
    },
  });
  return {
    upstream,
    send: (ctx, input) => {
      const form = new URLSearchParams({ To: input.to, From: config.SMS_FROM, Body: input.body });
      if (input.statusCallback) form.set('StatusCallback', input.statusCallback);
      return upstream.post('Messages.json', {
        ctx,
        body: form,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        schema: messageSchema,
        // A send is retried only with a key the provider deduplicates by: never two texts for one call.
        ...(input.idempotencyKey ? { idempotencyKey: input.idempotencyKey } : {}),
      });
    },
    get: (ctx, sid) =>
      notFoundAs(
        upstream.get(`Messages/${encodeURIComponent(sid)}.json`, { ctx, schema: messageSchema }),
        `No message ${sid}.`,
        'Use the sid sms_send returned, or find it with sms_list_messages.',
      ),
    list: async (ctx, query) => {
      const searchParams: Record<string, string | number> = { PageSize: query.pageSize };
      if (query.to) searchParams.To = query.to;
      if (query.pageToken) searchParams.PageToken = query.pageToken;
      const page = await upstream.get('Messages.json', { ctx, searchParams, schema: pageSchema });
      const next = page.next_page_uri
        ? new URL(page.next_page_uri, 'http://x').searchParams.get('PageToken')
        : null;
      return { messages: page.messages, ...(next ? { nextPageToken: next } : {}) };
    },
  };
}
