import type { Engine } from '../../engine/engine.js';
import { jsonHeaders } from './json-response.js';
import type { HttpSink } from './sink.js';

/**
 * Answers `/healthz` (the process is up: always 200 with the version) and `/readyz` (every
 * registered check passes and the endpoint is not draining: 200, else 503 with the report).
 */
export async function serveHealth(
  server: Engine,
  path: string,
  draining: boolean,
  sink: HttpSink,
): Promise<void> {
  if (path === '/healthz') {
    sink.send(200, jsonHeaders(), JSON.stringify({ status: 'ok', version: server.info.version }));
    return;
  }
  const report = await server.checkHealth();
  const ready = report.healthy && !draining;
  sink.send(
    ready ? 200 : 503,
    jsonHeaders(),
    JSON.stringify({ status: ready ? 'ready' : 'unavailable', ...report }),
  );
}
