import type { Cache } from '@mcpkit/cache';
import { isMcpkitError, type Logger, type RouteHandler } from '@mcpkit/core';
import { createNonceCache, verifyWebhook } from '@mcpkit/middleware';
import type { Redis } from 'ioredis';
import * as z from 'zod';
import { chargeTags } from './tools/charges.js';

/** Options of {@link webhookRoute}. */
export interface WebhookRouteOptions {
  /** The provider's webhook signing secret. */
  secret: string;
  /** The cache whose entries an event makes stale. */
  cache: Cache;
  logger: Logger;
  /** Shared replay memory across instances (`SET NX`); without it each instance remembers alone. */
  redis?: Redis;
  /** Largest accepted age of a delivery, in ms. Default: 300 000. */
  toleranceMs?: number;
  /** Clock in ms. Default: `Date.now`. */
  now?: () => number;
}

const eventSchema = z.object({
  id: z.string().regex(/^evnt_[A-Za-z0-9_]{1,64}$/),
  key: z.string().max(64),
  data: z.object({ id: z.string().max(80), object: z.string().max(40) }).passthrough(),
});

const json = (status: number, body: Record<string, unknown>) => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** The cache tags a provider event makes stale. */
export function tagsOfEvent(event: z.output<typeof eventSchema>): string[] {
  const id = event.data.id;
  if (event.key.startsWith('charge.')) return chargeTags(id);
  if (event.key.startsWith('customer.')) return [`customer:${id}`, 'customers'];
  if (event.key.startsWith('transfer.')) return ['transfers'];
  return [];
}

/**
 * The webhook endpoint: verifies the provider's signature and timestamp (`verifyWebhook`), refuses
 * an event id already seen inside the tolerance window (409), then voids the cached reads the
 * event makes stale on every instance. Answers 401 for a bad signature and 400 for a bad body,
 * never echoing it.
 */
export function webhookRoute(options: WebhookRouteOptions): RouteHandler {
  const toleranceMs = options.toleranceMs ?? 300_000;
  const now = options.now ?? Date.now;
  const verify = verifyWebhook({ secret: options.secret, toleranceMs, now });
  const local = createNonceCache({ ttlMs: toleranceMs * 2, max: 50_000 });
  const firstSighting = async (id: string): Promise<boolean> => {
    if (options.redis) {
      const set = await options.redis.set(`payments:webhook:${id}`, '1', 'PX', toleranceMs * 2, 'NX');
      return set === 'OK';
    }
    return local.add(id, now());
  };

  return async (req) => {
    if (req.method !== 'POST') return json(405, { error: 'method_not_allowed' });
    let body: string;
    try {
      body = await verify(req);
    } catch (error) {
      const reason = isMcpkitError(error) ? error.details?.reason : 'unknown';
      options.logger.warn({ reason }, 'webhook refused: signature');
      return json(401, { error: 'invalid_signature' });
    }
    let event: z.output<typeof eventSchema>;
    try {
      event = eventSchema.parse(JSON.parse(body));
    } catch {
      options.logger.warn({}, 'webhook refused: malformed event');
      return json(400, { error: 'malformed_event' });
    }
    if (!(await firstSighting(event.id))) {
      options.logger.warn({ eventId: event.id }, 'webhook refused: replay');
      return json(409, { error: 'replayed_event' });
    }
    const tags = tagsOfEvent(event);
    if (tags.length > 0) await options.cache.invalidateTags(tags);
    options.logger.info({ eventId: event.id, eventKey: event.key }, 'webhook applied');
    return json(200, { received: true });
  };
}
