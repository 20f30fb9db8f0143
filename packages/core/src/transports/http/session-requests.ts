import { RpcCode } from '../../protocol/rpc-error.js';
import type { EventStore } from './event-store.js';
import { jsonError } from './json-response.js';
import type { LegacySessions } from './legacy-sessions.js';
import { type RequestStream, replayStream } from './request-stream.js';
import type { HttpRequestInfo, HttpSink } from './sink.js';

/**
 * Answers a GET on the MCP endpoint: resumes a stream after `Last-Event-ID`, or opens the
 * standalone stream of a legacy session that `owner` created; a stateless server has none.
 */
export async function serveGet(
  req: HttpRequestInfo,
  sink: HttpSink,
  sessions: LegacySessions | undefined,
  events: EventStore | undefined,
  streams: ReadonlyMap<string, RequestStream>,
  owner: string,
): Promise<void> {
  const accept = req.headers.accept;
  if (accept !== undefined && !/text\/event-stream|\*\/\*/i.test(accept)) {
    return jsonError(
      sink,
      406,
      RpcCode.INVALID_REQUEST,
      'Not Acceptable: GET serves text/event-stream only.',
    );
  }
  const lastEventId = req.headers['last-event-id'];
  if (lastEventId !== undefined && events) {
    if (replayStream(events, streams, lastEventId, sink)) return;
    return jsonError(
      sink,
      404,
      RpcCode.INVALID_REQUEST,
      'Unknown or expired Last-Event-ID; send the request again.',
    );
  }
  if (!sessions) {
    return jsonError(
      sink,
      405,
      RpcCode.INVALID_REQUEST,
      'This server is stateless: there is no standalone stream to GET.',
      { allow: 'POST' },
    );
  }
  const sessionId = req.headers['mcp-session-id'];
  if (sessionId === undefined || !(await sessions.exists(sessionId, owner))) {
    return jsonError(
      sink,
      sessionId === undefined ? 400 : 404,
      RpcCode.INVALID_REQUEST,
      'A valid Mcp-Session-Id is required for the standalone stream.',
    );
  }
  sessions.attachStream(sessionId, sink);
}

/** Answers a DELETE on the MCP endpoint: ends a legacy session that `owner` created. */
export async function serveDelete(
  req: HttpRequestInfo,
  sink: HttpSink,
  sessions: LegacySessions | undefined,
  owner: string,
): Promise<void> {
  if (!sessions) {
    return jsonError(
      sink,
      405,
      RpcCode.INVALID_REQUEST,
      'This server is stateless: there is no session to delete.',
      { allow: 'POST' },
    );
  }
  const sessionId = req.headers['mcp-session-id'];
  if (sessionId === undefined)
    return jsonError(sink, 400, RpcCode.INVALID_REQUEST, 'The Mcp-Session-Id header is required.');
  if (!(await sessions.exists(sessionId, owner)))
    return jsonError(sink, 404, RpcCode.INVALID_REQUEST, 'Session not found.');
  await sessions.end(sessionId);
  sink.send(200, {}, '');
}
