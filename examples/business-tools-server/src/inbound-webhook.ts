import { randomUUID } from 'node:crypto';
import {
  isMcpkitError,
  McpkitError,
  type RouteHandler,
  type RouteResponse,
  toErrorPayload,
} from '@mcpkit/core';
import { createNonceCache, verifyWebhook } from '@mcpkit/middleware';

/** Options of {@link inboundWebhook}. */
export interface InboundWebhookOptions<E> {
  /** Shared signing secret of the sender. */
  secret: string;
  /** Largest accepted age of a delivery, in ms (also how long signatures are remembered). Default: 300 000. */
  toleranceMs?: number;
  /** Parses the verified raw body; throws a coded error when it is not an event. */
  parse(body: string): E;
  /** The event's identity: a second delivery of the same event is acknowledged, not applied again. */
  eventId(event: E): string;
  /** Applies the event (once per event id). */
  handle(event: E): void;
  /** Event ids remembered for deduplication. Default: 10 000. */
  maxEvents?: number;
  /** Clock in ms. Default: `Date.now`. */
  now?: () => number;
}

const json = (status: number, body: unknown): RouteResponse => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

const STATUS: Record<string, number> = { UNAUTHORIZED: 401, CONFLICT: 409, VALIDATION_FAILED: 400 };

/**
 * A verified, idempotent webhook route: the signature (HMAC-SHA256, timestamped, see
 * `verifyWebhook`) must verify and be fresh; the same signed delivery twice is a replay and is
 * refused with `CONFLICT`; a new delivery of an event already applied is acknowledged without
 * applying it again. Refusals are coded error payloads.
 */
export function inboundWebhook<E>(options: InboundWebhookOptions<E>): RouteHandler {
  const toleranceMs = options.toleranceMs ?? 300_000;
  const now = options.now ?? Date.now;
  const verify = verifyWebhook({ secret: options.secret, toleranceMs, now });
  const signatures = createNonceCache({ ttlMs: toleranceMs * 2, max: 50_000 });
  const applied = new Set<string>();
  const maxEvents = options.maxEvents ?? 10_000;
  return async (req) => {
    const requestId = randomUUID();
    try {
      if (req.method !== 'POST') {
        throw new McpkitError('VALIDATION_FAILED', 'Webhooks are delivered with POST.', { retryable: false });
      }
      const body = await verify(req);
      if (!signatures.add(req.headers['webhook-signature'] ?? '', now())) {
        throw new McpkitError('CONFLICT', 'This delivery was already received.', {
          retryable: false,
          hint: 'A replayed request is refused; send a new, freshly signed delivery.',
          details: { reason: 'replay' },
        });
      }
      const event = options.parse(body);
      const id = options.eventId(event);
      if (applied.has(id)) return json(200, { received: true, duplicate: true });
      options.handle(event);
      applied.add(id);
      // Bounded: the oldest ids go first (a set keeps insertion order).
      if (applied.size > maxEvents) applied.delete(applied.values().next().value as string);
      return json(200, { received: true, duplicate: false });
    } catch (error) {
      const coded = isMcpkitError(error)
        ? error
        : new McpkitError('INTERNAL', 'The webhook could not be processed.', { cause: error });
      return json(STATUS[coded.code] ?? 500, { error: toErrorPayload(coded, requestId) });
    }
  };
}
