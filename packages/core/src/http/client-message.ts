import type { Inbound } from '../jsonrpc.js';
import type { HttpCalls } from './http-calls.js';

/**
 * Acts on a notification or response a client POSTed: a response settles the server→client
 * request it answers; `notifications/cancelled` aborts the call it names in the same session.
 */
export function takeClientMessage(
  inbound: Exclude<Inbound, { kind: 'request' }>,
  sessionId: string | undefined,
  calls: HttpCalls,
): void {
  if (inbound.kind === 'response') {
    calls.pending.settle(inbound.id, inbound.result, inbound.error);
    return;
  }
  if (inbound.message.method !== 'notifications/cancelled') return;
  const id = (inbound.message.params as { requestId?: string | number } | undefined)?.requestId;
  calls.cancel(sessionId, id);
}
