import {
  createServer,
  type EdgeGuard,
  type EdgeRequest,
  HttpRefusal,
  McpkitError,
  type ServeOptions,
} from '@mcpkit/core';
import { connectTestClient, resultText, serveForTest, type TestServer } from '@mcpkit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { legacyHeaders, post, postInitialize, postLegacy, postModern } from './fixtures/http-wire.js';

let server: TestServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A bearer-token guard: `Bearer good` is user-1 with scope `read`; anything else is refused. */
const bearer: EdgeGuard = (req) => {
  const header = req.headers.authorization;
  if (header !== 'Bearer good') {
    throw new HttpRefusal(
      new McpkitError('UNAUTHORIZED', 'A valid bearer token is required.', {
        hint: 'Send Authorization: Bearer <token>.',
      }),
      { headers: { 'www-authenticate': 'Bearer realm="mcp"' } },
    );
  }
  return { auth: { subject: 'user-1', scopes: ['read'] } };
};

async function serve(guards: EdgeGuard[], options: ServeOptions = {}): Promise<TestServer> {
  const builder = createServer({ name: 'guards', version: '1.0.0' })
    .tool('whoami', {
      description: 'Names the caller',
      handler: (_args, ctx) => `${ctx.auth?.subject ?? 'anonymous'} ${ctx.requestId}`,
    })
    .tool('echo', {
      description: 'Echoes',
      input: z.object({ text: z.string() }),
      handler: ({ text }) => text,
    })
    .guard(...guards);
  server = await serveForTest(builder, options);
  return server;
}

describe('edge guards', () => {
  it('refuses a request without credentials with the refusal status, headers and a coded JSON-RPC error', async () => {
    const { url } = await serve([bearer]);
    const response = await postModern(url, 1, 'tools/call', { name: 'whoami', arguments: {} });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="mcp"');
    expect(response.headers.get('x-request-id')).toBeTruthy();
    const body = (await response.json()) as {
      id: unknown;
      error: { code: number; data: Record<string, unknown> };
    };
    expect(body.id).toBe(1);
    expect(body.error.code).toBe(-32600);
    expect(body.error.data).toMatchObject({
      code: 'UNAUTHORIZED',
      hint: 'Send Authorization: Bearer <token>.',
    });
  });

  it('hands the verified identity to ctx.auth on every request, in both eras', async () => {
    const { url } = await serve([bearer]);
    for (const era of ['modern', 'legacy'] as const) {
      const client = await connectTestClient(url, { era, headers: { authorization: 'Bearer good' } });
      const result = await client.callTool('whoami');
      expect(resultText(result)).toMatch(/^user-1 /);
      await client.close();
    }
  });

  it('refuses the legacy initialize and notifications too, so no request slips past', async () => {
    const { url } = await serve([bearer]);
    expect((await postInitialize(url)).status).toBe(401);
    const notification = await fetch(url, {
      method: 'POST',
      headers: legacyHeaders(),
      body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
    });
    expect(notification.status).toBe(401);
  });

  it('checks GET and DELETE on a session endpoint', async () => {
    const { url } = await serve([bearer], { sessions: true });
    expect((await fetch(url, { headers: { accept: 'text/event-stream' } })).status).toBe(401);
    expect((await fetch(url, { method: 'DELETE', headers: { 'mcp-session-id': 'x' } })).status).toBe(401);
  });

  it('shows the parsed JSON-RPC method and target to the guard', async () => {
    const seen: EdgeRequest[] = [];
    const { url } = await serve([(req) => void seen.push(req)]);
    await postModern(url, 1, 'tools/call', { name: 'echo', arguments: { text: 'hi' } });
    expect(seen[0]).toMatchObject({
      httpMethod: 'POST',
      path: '/mcp',
      rpcMethod: 'tools/call',
      rpcName: 'echo',
    });
    expect(seen[0]?.remoteAddress).toMatch(/127\.0\.0\.1/);
  });

  it('turns a thrown coded error into its status, with Retry-After from retryAfterMs', async () => {
    const limited: EdgeGuard = () => {
      throw new McpkitError('RATE_LIMITED', 'Too many requests.', { retryAfterMs: 1_500 });
    };
    const { url } = await serve([limited]);
    const response = await postModern(url, 1, 'tools/list');
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('2');
    const body = (await response.json()) as { error: { data: Record<string, unknown> } };
    expect(body.error.data).toMatchObject({ code: 'RATE_LIMITED', retryable: true, retryAfterMs: 1_500 });
  });

  it('merges decisions in order: async guards, response headers and a chosen request id', async () => {
    const { url } = await serve([
      async () => ({ auth: { subject: 'first', scopes: [] }, headers: { 'ratelimit-remaining': '9' } }),
      () => ({ requestId: 'chosen-id', headers: { 'x-extra': '1' } }),
    ]);
    const response = await postModern(url, 1, 'tools/call', { name: 'whoami', arguments: {} });
    expect(response.status).toBe(200);
    expect(response.headers.get('ratelimit-remaining')).toBe('9');
    expect(response.headers.get('x-extra')).toBe('1');
    expect(response.headers.get('x-request-id')).toBe('chosen-id');
    const text = await response.text();
    expect(text).toContain('first chosen-id');
  });

  it("lets a guard mint ids in the server's own format", async () => {
    const minted: string[] = [];
    const { url } = await serve([
      (req: EdgeRequest) => {
        const requestId = req.newRequestId();
        minted.push(requestId);
        return { requestId };
      },
    ]);
    const first = await postModern(url, 1, 'tools/call', { name: 'whoami', arguments: {} });
    const second = await postModern(url, 2, 'tools/call', { name: 'whoami', arguments: {} });
    expect(first.headers.get('x-request-id')).toBe(minted[0]);
    expect(second.headers.get('x-request-id')).toBe(minted[1]);
    expect(minted[0]).not.toBe(minted[1]);
    // Core's format: a random per-server prefix of 8 characters, a dash, a base-36 counter.
    expect(minted[0]).toMatch(/^[A-Za-z0-9_-]{8}-[0-9a-z]+$/);
    expect(minted[1]?.slice(0, 9)).toBe(minted[0]?.slice(0, 9));
  });

  it('answers 500 without detail when a guard fails unexpectedly, and keeps serving', async () => {
    let fail = true;
    const { url } = await serve([
      () => {
        if (fail) throw new Error('database password is hunter2');
        return undefined;
      },
    ]);
    const response = await postModern(url, 1, 'tools/list');
    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain('hunter2');
    fail = false;
    expect((await postModern(url, 1, 'tools/list')).status).toBe(200);
  });

  it('gives guards the raw POST body and what earlier guards decided', async () => {
    const bodies: Array<string | undefined> = [];
    const subjects: Array<string | undefined> = [];
    const { url } = await serve([
      bearer,
      (req, decided) => {
        bodies.push(req.body);
        subjects.push(decided?.auth?.subject);
        return undefined;
      },
    ]);
    const response = await postModern(
      url,
      7,
      'tools/call',
      { name: 'echo', arguments: { text: 'signed' } },
      { headers: { authorization: 'Bearer good' } },
    );
    expect(response.status).toBe(200);
    expect(JSON.parse(bodies[0] as string)).toMatchObject({
      id: 7,
      params: { arguments: { text: 'signed' } },
    });
    expect(subjects).toEqual(['user-1']);
  });

  it('exposes the peer address on ctx over HTTP', async () => {
    const builder = createServer({ name: 'peer', version: '1.0.0' }).tool('peer', {
      description: 'Names the peer',
      handler: (_args, ctx) => String(ctx.remoteAddress),
    });
    server = await serveForTest(builder);
    const client = await connectTestClient(server.url);
    expect(resultText(await client.callTool('peer'))).toMatch(/127\.0\.0\.1/);
    await client.close();
  });

  it('reports each refusal on the edge.refused telemetry event', async () => {
    const builder = createServer({ name: 'refusals', version: '1.0.0' })
      .tool('noop', { description: 'Does nothing', handler: () => 'ok' })
      .guard(bearer);
    const refused: unknown[] = [];
    builder.telemetry.on('edge.refused', (event) => refused.push(event));
    server = await serveForTest(builder);
    await postModern(server.url, 1, 'tools/call', { name: 'noop', arguments: {} });
    expect(refused).toEqual([
      expect.objectContaining({
        status: 401,
        errorCode: 'UNAUTHORIZED',
        rpcMethod: 'tools/call',
        rpcName: 'noop',
      }),
    ]);
  });

  it('keeps the request id and headers earlier guards chose on a later refusal', async () => {
    const { url } = await serve([
      () => ({ requestId: 'edge-42', headers: { 'x-correlation-id': 'edge-42' } }),
      bearer,
    ]);
    const response = await postModern(url, 1, 'tools/list');
    expect(response.status).toBe(401);
    expect(response.headers.get('x-request-id')).toBe('edge-42');
    expect(response.headers.get('x-correlation-id')).toBe('edge-42');
    const body = (await response.json()) as { error: { data: { requestId: string } } };
    expect(body.error.data.requestId).toBe('edge-42');
  });

  it('does not guard health probes', async () => {
    const { origin } = await serve([bearer]);
    expect((await fetch(`${origin}/healthz`)).status).toBe(200);
  });

  it('runs on the fetch handler too', async () => {
    const handler = createServer({ name: 'guards-fetch', version: '1.0.0' })
      .tool('noop', { description: 'Does nothing', handler: () => 'ok' })
      .guard(bearer)
      .fetchHandler({ allowedHosts: ['example.test'] });
    const refused = await handler(
      new Request('http://example.test/mcp', {
        method: 'POST',
        headers: legacyHeaders(),
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      }),
    );
    expect(refused.status).toBe(401);
    const allowed = await handler(
      new Request('http://example.test/mcp', {
        method: 'POST',
        headers: { ...legacyHeaders(), authorization: 'Bearer good' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      }),
    );
    expect(allowed.status).toBe(200);
  });

  it('lets a legacy stateless request through once the guard accepts it', async () => {
    const { url } = await serve([bearer]);
    const refused = await postLegacy(url, 1, 'tools/list');
    expect(refused.status).toBe(401);
    const response = await post(
      url,
      { jsonrpc: '2.0', id: 2, method: 'tools/list' },
      { ...legacyHeaders(), authorization: 'Bearer good' },
    );
    expect(response.status).toBe(200);
  });
});
