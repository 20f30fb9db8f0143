import { createCursorPagination, McpkitError } from '@mcpkit/core';
import * as z from 'zod';
import { inboundWebhook } from '../../inbound-webhook.js';
import { defineProvider } from '../../provider.js';
import { E164, smsConfig } from './config.js';
import { createMessagesApi, messageSchema } from './messages-api.js';
import { StatusStore } from './status-store.js';

/** Path of the status-callback webhook route. */
export const SMS_STATUS_PATH = '/webhooks/sms/status';

const e164 = z.string().regex(E164, 'must be an E.164 number: +, country code, number, e.g. +447700900123');

/** SMS through a Twilio-shaped API: send, status (with verified status callbacks), list with cursors. */
export default defineProvider({
  name: 'sms',
  description: 'SMS through a Twilio-shaped messages API',
  config: smsConfig,
  install(builder, config, runtime) {
    const api = createMessagesApi(config);
    // Signed cursors bound to the list and its filter; the provider's page tokens stay inside them.
    const cursors = createCursorPagination();
    const statuses = new StatusStore();
    builder.use(api.upstream);
    builder.route(
      SMS_STATUS_PATH,
      inboundWebhook({
        secret: config.SMS_WEBHOOK_SECRET,
        parse(body) {
          const form = new URLSearchParams(body);
          const messageSid = form.get('MessageSid');
          const status = form.get('MessageStatus');
          if (!messageSid || !status) {
            throw new McpkitError(
              'VALIDATION_FAILED',
              'A status callback needs MessageSid and MessageStatus.',
              {
                retryable: false,
              },
            );
          }
          return {
            messageSid,
            status,
            errorCode: form.get('ErrorCode') ?? undefined,
            receivedAt: new Date().toISOString(),
          };
        },
        eventId: (event) => `${event.messageSid}:${event.status}`,
        handle: (event) => statuses.record(event),
      }),
    );

    builder.tool('sms_send', {
      description:
        'Sends a text message to an E.164 phone number; returns the message id and its first status.',
      input: {
        to: e164,
        body: z.string().min(1).max(1_600),
        idempotencyKey: z
          .string()
          .regex(/^[A-Za-z0-9_-]{8,64}$/)
          .optional()
          .describe('Makes the send safe to retry: the provider sends once per key.'),
      },
      output: { message: messageSchema },
      annotations: { destructiveHint: false, idempotentHint: false, openWorldHint: true },
      handler: async (args, ctx) => {
        const origin = runtime.publicUrl();
        const message = await api.send(ctx, {
          to: args.to,
          body: args.body,
          ...(origin ? { statusCallback: `${origin}${SMS_STATUS_PATH}` } : {}),
          ...(args.idempotencyKey ? { idempotencyKey: args.idempotencyKey } : {}),
        });
        return { message };
      },
    });

    builder.tool('sms_status', {
      description: 'The status of a sent message, with the latest verified status callback if one came.',
      input: {
        sid: z.string().regex(/^SM[0-9a-f]{32}$/, 'must be a message id: SM followed by 32 hex digits'),
      },
      output: {
        message: messageSchema,
        lastCallback: z.object({ status: z.string(), receivedAt: z.string() }).optional(),
      },
      annotations: { readOnlyHint: true, openWorldHint: true },
      handler: async ({ sid }, ctx) => {
        const message = await api.get(ctx, sid);
        const callback = statuses.get(sid);
        return {
          message,
          ...(callback ? { lastCallback: { status: callback.status, receivedAt: callback.receivedAt } } : {}),
        };
      },
    });

    builder.tool('sms_list_messages', {
      description:
        'Lists sent messages, newest first, a page at a time; pass nextCursor back for the next page.',
      input: {
        to: e164.optional(),
        limit: z.number().int().min(1).max(100).default(20),
        cursor: z.string().max(2_048).optional(),
      },
      output: { messages: z.array(messageSchema), nextCursor: z.string().optional() },
      annotations: { readOnlyHint: true, openWorldHint: true },
      handler: async (args, ctx) => {
        const scope = { list: 'sms_list_messages', filter: { to: args.to ?? null } };
        const position = cursors.decode(args.cursor, scope);
        const page = await api.list(ctx, {
          pageSize: args.limit,
          ...(args.to ? { to: args.to } : {}),
          ...(position !== undefined && 'upstream' in position ? { pageToken: position.upstream } : {}),
        });
        const nextCursor = page.nextPageToken
          ? cursors.encode(scope, { upstream: page.nextPageToken })
          : undefined;
        return { messages: page.messages, ...(nextCursor ? { nextCursor } : {}) };
      },
    });
  },
});
