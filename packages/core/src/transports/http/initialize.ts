import { type EdgeDecision, toRefusal } from '../../engine/edge.js';
import type { Engine } from '../../engine/engine.js';
import type { RpcRequest } from '../../protocol/jsonrpc.js';
import { initializedState } from '../../protocol/legacy-state.js';
import { sendCodedRefusal } from './edge-gate.js';
import { jsonHeaders } from './json-response.js';
import type { LegacySessions } from './legacy-sessions.js';
import type { SessionCaller } from './session-caller.js';
import type { HttpRequestInfo, HttpSink } from './sink.js';

/**
 * Answers a legacy `initialize` over HTTP. With sessions on it opens one for the caller and
 * returns its id in `Mcp-Session-Id`; a caller past its session admission gets the coded refusal.
 */
export async function serveInitialize(
  server: Engine,
  sessions: LegacySessions | undefined,
  caller: SessionCaller | undefined,
  request: RpcRequest,
  req: HttpRequestInfo,
  sink: HttpSink,
  decision: EdgeDecision | undefined,
): Promise<void> {
  const params = request.params ?? {};
  const result = server.initializeResult(params.protocolVersion);
  const extra: Record<string, string> = { ...decision?.headers };
  if (sessions && caller) {
    const state = initializedState(params, result.protocolVersion as string);
    try {
      extra['mcp-session-id'] = await sessions.create(state, caller);
    } catch (error) {
      const refusal = toRefusal(error);
      if (!refusal) throw error;
      return sendCodedRefusal(server, sink, refusal, request.id, req, decision);
    }
  }
  sink.send(
    200,
    Object.assign(jsonHeaders(), extra),
    JSON.stringify({ jsonrpc: '2.0', id: request.id, result }),
  );
}
