import { createServer, type HealthCheck, type ServeOptions } from '@mcpkit/core';
import { serveForTest, type TestServer } from '@mcpkit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { rawRequest } from './fixtures/http-wire.js';

const VERSION = '4.5.6';

function buildApp(checks: Record<string, HealthCheck> = {}) {
  const builder = createServer({ name: 'http-health', version: VERSION }).tool('noop', {
    description: 'Does nothing',
    handler: () => 'ok',
  });
  for (const [name, check] of Object.entries(checks)) builder.health(name, check);
  return builder;
}

let server: TestServer | undefined;

async function serve(
  checks: Record<string, HealthCheck> = {},
  options: ServeOptions = {},
): Promise<TestServer> {
  server = await serveForTest(buildApp(checks), options);
  return server;
}

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function getJson(
  url: string,
): Promise<{ status: number; contentType: string; body: Record<string, unknown> }> {
  const response = await fetch(url);
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    body: (await response.json()) as Record<string, unknown>,
  };
}

describe('liveness', () => {
  it('answers GET /healthz with 200 and the server version', async () => {
    const { origin } = await serve({ broken: () => false });
    const { status, contentType, body } = await getJson(`${origin}/healthz`);
    expect(status).toBe(200);
    expect(contentType).toMatch(/^application\/json/);
    expect(body).toEqual({ status: 'ok', version: VERSION });
  });

  it('serves /healthz whatever Host a probe sends (load balancers use the pod address)', async () => {
    const { origin } = await serve();
    const response = await rawRequest(`${origin}/healthz`, {
      method: 'GET',
      headers: { host: '10.1.2.3:8080' },
    });
    expect(response.status).toBe(200);
  });

  it('does not serve health endpoints when health is off', async () => {
    const { origin } = await serve({}, { health: false });
    const response = await fetch(`${origin}/healthz`);
    expect(response.status).toBe(404);
    await response.body?.cancel();
  });
});

describe('readiness', () => {
  it('answers 200 with every check when all pass', async () => {
    const { origin } = await serve({
      database: () => true,
      cache: async () => undefined,
      queue: () => ({ healthy: true, details: { depth: 3 } }),
    });
    const { status, body } = await getJson(`${origin}/readyz`);
    expect(status).toBe(200);
    expect(body).toEqual({
      status: 'ready',
      healthy: true,
      version: VERSION,
      checks: {
        database: { healthy: true, durationMs: expect.any(Number) },
        cache: { healthy: true, durationMs: expect.any(Number) },
        queue: { healthy: true, durationMs: expect.any(Number), details: { depth: 3 } },
      },
    });
  });

  it('answers 200 when no checks are registered', async () => {
    const { origin } = await serve();
    const { status, body } = await getJson(`${origin}/readyz`);
    expect(status).toBe(200);
    expect(body).toEqual({ status: 'ready', healthy: true, version: VERSION, checks: {} });
  });

  it('answers 503 naming the failing check and its details, with the version', async () => {
    const { origin } = await serve({
      database: () => true,
      'upstream:payments': () => ({ healthy: false, details: { breaker: 'open', failures: 5 } }),
    });
    const { status, body } = await getJson(`${origin}/readyz`);
    expect(status).toBe(503);
    expect(body).toMatchObject({
      status: 'unavailable',
      healthy: false,
      version: VERSION,
      checks: {
        database: { healthy: true },
        'upstream:payments': { healthy: false, details: { breaker: 'open', failures: 5 } },
      },
    });
  });

  it('answers 503 when a check returns false', async () => {
    const { origin } = await serve({ flag: () => false });
    const { status, body } = await getJson(`${origin}/readyz`);
    expect(status).toBe(503);
    expect(body).toMatchObject({ healthy: false, version: VERSION, checks: { flag: { healthy: false } } });
  });

  it('answers 503 with the error message when a check throws', async () => {
    const { origin } = await serve({
      redis: () => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
      },
      other: () => true,
    });
    const { status, body } = await getJson(`${origin}/readyz`);
    expect(status).toBe(503);
    expect(body).toMatchObject({
      status: 'unavailable',
      version: VERSION,
      checks: {
        redis: { healthy: false, error: 'connect ECONNREFUSED 127.0.0.1:6379' },
        other: { healthy: true },
      },
    });
  });

  it('answers 503 with the error message when an async check rejects', async () => {
    const { origin } = await serve({ postgres: async () => Promise.reject(new Error('too many clients')) });
    const { status, body } = await getJson(`${origin}/readyz`);
    expect(status).toBe(503);
    expect(body).toMatchObject({
      version: VERSION,
      checks: { postgres: { healthy: false, error: 'too many clients' } },
    });
  });

  it('runs the checks on every request, so readiness follows the dependency', async () => {
    let up = false;
    const { origin } = await serve({ dependency: () => up });
    expect((await getJson(`${origin}/readyz`)).status).toBe(503);
    up = true;
    expect((await getJson(`${origin}/readyz`)).status).toBe(200);
  });

  it('turns unready while the server drains for shutdown', async () => {
    const server = buildApp({ always: () => true }).build();
    const handler = server.fetchHandler();
    const before = await handler(new Request('http://127.0.0.1/readyz'));
    expect(before.status).toBe(200);
    await before.body?.cancel();
    await server.drain(0);
    const during = await handler(new Request('http://127.0.0.1/readyz'));
    expect(during.status).toBe(503);
    expect(await during.json()).toMatchObject({ status: 'unavailable', healthy: true, version: VERSION });
  });
});

describe('one server behind node:http and a fetch handler at once', () => {
  it('gives each response its own headers (no length carried over from another response)', async () => {
    const built = createServer({ name: 'two-doors', version: VERSION })
      .health('slow-name-to-change-the-body-length', () => true)
      .build();
    server = await serveForTest(built);
    const viaNode = await fetch(`${server.origin}/readyz`);
    expect(viaNode.status).toBe(200);
    await viaNode.text();
    const handler = built.fetchHandler();
    const viaFetch = await handler(new Request('http://localhost/healthz'));
    const body = await viaFetch.text();
    const declared = viaFetch.headers.get('content-length');
    if (declared !== null) expect(Number(declared)).toBe(Buffer.byteLength(body));
    expect(JSON.parse(body)).toEqual({ status: 'ok', version: VERSION });
  });
});
