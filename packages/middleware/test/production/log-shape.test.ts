// Acceptance (issue 13, item 5): every line a production() server writes has one JSON shape, and
// each refused request is one line with its request id and reason, and one metrics increment.
import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createLogger, createServer } from '@mcpkit/core';
import { production } from '@mcpkit/middleware';
import { connectTestClient } from '@mcpkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePrometheusText, sumOf } from '../fixtures/prometheus-text.js';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const CHILD = fileURLToPath(new URL('../fixtures/production-child.mjs', import.meta.url));
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACEPARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`;
const LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);

let upstream: Server;
let child: ChildProcessWithoutNullStreams;
let url: string;
let stderr = '';

beforeAll(async () => {
  // The child imports the built packages: build this checkout's (a cache hit when nothing changed).
  execFileSync(
    'pnpm',
    [
      'turbo',
      'run',
      'build',
      '--filter=@mcpkit/middleware',
      '--filter=@mcpkit/resilience',
      '--output-logs=errors-only',
    ],
    { cwd: REPO, stdio: 'ignore' },
  );
  upstream = createHttpServer((_req, res) => {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"error":"no such item"}');
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  child = spawn(process.execPath, [CHILD], {
    env: { ...process.env, UPSTREAM_URL: upstreamUrl, LOG_LEVEL: 'info' },
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
  });
  url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    });
    child.once('exit', (code) => reject(new Error(`the server exited (${code}): ${stderr}`)));
  });
}, 180_000);

afterAll(async () => {
  if (child.exitCode === null) child.kill('SIGKILL');
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
});

/** POSTs one JSON-RPC message (modern era) with the given headers; resolves with the status. */
async function post(headers: Record<string, string>, body?: string): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      traceparent: TRACEPARENT,
      ...headers,
    },
    body: body ?? JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
  });
  await response.text();
  return response.status;
}

describe('a production() server log', () => {
  it('has one line shape on standard error, and one line and one count per refused request', async () => {
    for (const era of ['modern', 'legacy'] as const) {
      const client = await connectTestClient(url, {
        era,
        headers: { 'x-api-key': 'shape-key', traceparent: TRACEPARENT },
      });
      await client.callTool('echo', { text: 'hello' });
      await client.callTool('explode');
      await client.callTool('missing');
      await client.close();
    }
    const key = { 'x-api-key': 'shape-key' };
    const statuses = {
      401: await post({ 'x-request-id': 'refused-401' }),
      403: await post({ ...key, origin: 'http://evil.example', 'x-request-id': 'refused-403' }),
      413: await post({ ...key, 'x-request-id': 'refused-413' }, `{"pad":"${'x'.repeat(8_000)}"}`),
      flood1: await post({ ...key, 'x-flood': '1', 'x-request-id': 'flood-1' }),
      flood2: await post({ ...key, 'x-flood': '1', 'x-request-id': 'flood-2' }),
      429: await post({ ...key, 'x-flood': '1', 'x-request-id': 'refused-429' }),
    };
    expect(statuses).toEqual({ 401: 401, 403: 403, 413: 413, flood1: 200, flood2: 200, 429: 429 });
    const metrics = parsePrometheusText(await (await fetch(new URL('/metrics', url))).text());

    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    const lines = stderr
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);

    // One shape: level (a name), time (epoch ms), fields, msg last; no pid or hostname.
    expect(lines.length).toBeGreaterThanOrEqual(12);
    for (const line of lines) {
      const keys = Object.keys(line);
      expect(keys.slice(0, 2), JSON.stringify(line)).toEqual(['level', 'time']);
      expect(keys.at(-1), JSON.stringify(line)).toBe('msg');
      expect(LEVELS.has(line.level as string), JSON.stringify(line)).toBe(true);
      expect(typeof line.time).toBe('number');
      expect(typeof line.msg).toBe('string');
      expect(line).not.toHaveProperty('pid');
      expect(line).not.toHaveProperty('hostname');
    }
    // Every line about a request names it and its trace; only the shutdown line is about none.
    const aboutNone = lines.filter((line) => line.requestId === undefined);
    expect(aboutNone.map((line) => line.msg)).toEqual(['shutting down: draining in-flight requests']);
    for (const line of lines.filter((l) => l.requestId !== undefined)) {
      expect(line.traceId, JSON.stringify(line)).toBe(TRACE_ID);
    }

    // Each refusal: exactly one line, with its id, status and reason, and one count.
    for (const [status, requestId, code] of [
      [401, 'refused-401', 'UNAUTHORIZED'],
      [403, 'refused-403', 'FORBIDDEN'],
      [413, 'refused-413', 'PAYLOAD_TOO_LARGE'],
      [429, 'refused-429', 'RATE_LIMITED'],
    ] as const) {
      const about = lines.filter((line) => line.requestId === requestId);
      expect(about, requestId).toHaveLength(1);
      expect(about[0]).toMatchObject({ level: 'info', msg: 'request refused', status, errorCode: code });
      expect(typeof about[0]?.reason).toBe('string');
      expect(sumOf(metrics, 'mcpkit_edge_refusals_total', { status: String(status) })).toBe(1);
    }

    // The expected upstream 404: below warn, without a stack; the unexpected failure keeps its stack.
    const upstreamLines = lines.filter((line) => String(line.msg).startsWith('upstream call failed'));
    expect(upstreamLines).toHaveLength(2);
    for (const line of upstreamLines) {
      expect(line).toMatchObject({ level: 'info', status: 404, code: 'UPSTREAM_ERROR' });
      expect(line).not.toHaveProperty('err');
    }
    const crashes = lines.filter((line) => line.msg === 'tool failed with an unexpected error');
    expect(crashes).toHaveLength(2);
    expect(String((crashes[0]?.err as { stack?: string } | undefined)?.stack)).toContain(
      'the disk is on fire',
    );
  }, 60_000);
});

describe('refusals while draining', () => {
  it('logs a request refused while draining once, with its id and reason, and counts it', async () => {
    const lines: string[] = [];
    const preset = production({ logging: false });
    const app = createServer({
      name: 'draining',
      version: '1',
      logger: createLogger({ level: 'info', write: (line) => lines.push(line) }),
    }).use(preset);
    const handler = app.fetchHandler();
    await handler.drain(0);
    const response = await handler(
      new Request('http://127.0.0.1/mcp', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'x-request-id': 'refused-503',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list', params: {} }),
      }),
    );
    expect(response.status).toBe(503);
    const about = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.requestId === 'refused-503');
    expect(about).toHaveLength(1);
    expect(about[0]).toMatchObject({
      msg: 'request refused',
      status: 503,
      errorCode: 'UPSTREAM_UNAVAILABLE',
    });
    const metrics = parsePrometheusText(await (preset.metrics?.registry.metrics() ?? Promise.resolve('')));
    expect(sumOf(metrics, 'mcpkit_edge_refusals_total', { status: '503' })).toBe(1);
  });
});
