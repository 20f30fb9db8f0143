import type { Inbound } from '../../protocol/jsonrpc.js';
import { ProtocolError } from '../../protocol/rpc-error.js';
import type { HttpCalls } from './http-calls.js';
import { sendProtocolError } from './json-response.js';
import type { LegacySessions } from './legacy-sessions.js';
import type { HttpSink } from './sink.js';

/** Where a client's notification or response arrived: its session (if any) and who sent it. */
export interface ClientMessagePlace {
  sessionId: string | undefined;
  sessions: LegacySessions | undefined;
  /** The sender as a session owner (see `sessionCaller`); read only when a session is named. */
  owner: () => string;
  calls: HttpCalls;
  /** Headers the edge decided for the response. */
  headers: Record<string, string> | undefined;
}

/**
 * Answers a notification or response a client POSTed with 202 and acts on it. In a session only
 * its owner may cancel a call or answer a request; to anyone else the session does not exist (404).
 */
export function serveClientMessage(
  inbound: Exclude<Inbound, { kind: 'request' }>,
  place: ClientMessagePlace,
  sink: HttpSink,
): Promise<void> | void {
  const accept = () => {
    takeClientMessage(inbound, place.sessionId, place.calls);
    sink.send(202, { ...place.headers }, '');
  };
  if (place.sessions === undefined || place.sessionId === undefined) return accept();
  return place.sessions.resume(place.sessionId, place.owner()).then((found) => {
    if (found instanceof ProtocolError) sendProtocolError(sink, null, found);
    else accept();
  });
}

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
