import type { Cancellation } from '../cancellation.js';
import type { Inbound } from '../jsonrpc.js';
import type { PendingRequests } from '../pending-requests.js';

/**
 * Acts on a notification or response a client POSTed: a response settles the server→client
 * request it answers; `notifications/cancelled` aborts the call it names in the same session.
 */
export function takeClientMessage(
  inbound: Exclude<Inbound, { kind: 'request' }>,
  sessionId: string | undefined,
  pending: PendingRequests,
  inflight: ReadonlyMap<string, Cancellation[]>,
): void {
  if (inbound.kind === 'response') {
    pending.settle(inbound.id, inbound.result, inbound.error);
    return;
  }
  if (inbound.message.method !== 'notifications/cancelled') return;
  const id = (inbound.message.params as { requestId?: string | number } | undefined)?.requestId;
  const controllers = inflight.get(`${sessionId ?? ''}:${String(id)}`);
  // Without a session two clients may share an id: cancel only when it is unambiguous.
  if (controllers?.length === 1) controllers[0]?.abort(new Error('Cancelled by the client.'));
}
