import { type EdgeDecision, HttpRefusal } from '../edge.js';
import { McpkitError } from '../errors.js';
import type { RpcId } from '../jsonrpc.js';
import type { McpkitServer } from '../server.js';
import { reportRefusal, requestIdFor, sendRefusal } from './edge-gate.js';
import type { HttpRequestInfo, HttpSink } from './sink.js';

/**
 * Answers a request the endpoint will not serve with a coded error: its HTTP status, `Retry-After`
 * when the error has one, and a JSON-RPC error with the request's id (null when unknown) whose
 * `data` carries the code and the retry verdict. Logged and counted once, like every refusal.
 */
export function sendCodedRefusal(
  server: McpkitServer,
  sink: HttpSink,
  refusal: HttpRefusal,
  id: RpcId | null,
  req: HttpRequestInfo,
  decision: EdgeDecision | undefined,
): void {
  const requestId = decision?.requestId ?? requestIdFor(req.headers, server);
  reportRefusal(server, req.headers, {
    requestId,
    status: refusal.status,
    errorCode: refusal.error.code,
    reason: refusal.error.message,
  });
  sendRefusal(sink, refusal, id, requestId, decision?.headers);
}

/** The refusal of a request that arrives while the endpoint drains for shutdown: 503, retryable, `Retry-After: 1`. */
export function shuttingDown(): HttpRefusal {
  return new HttpRefusal(
    new McpkitError('UPSTREAM_UNAVAILABLE', 'The server is shutting down; retry on another instance.', {
      retryable: true,
      retryAfterMs: 1_000,
      hint: 'The call did not run: send it again (another instance, or this one once restarted, will take it).',
    }),
    { status: 503 },
  );
}
