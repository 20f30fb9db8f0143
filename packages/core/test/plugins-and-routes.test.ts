import { createServer, HttpRefusal, McpkitError, type Plugin } from '@mcpkit/core';
import { createTestClient, resultText, serveForTest, type TestServer } from '@mcpkit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { rawRequest } from './fixtures/http-wire.js';

let server: TestServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

const base = () =>
  createServer({ name: 'plugins', version: '2.0.0' }).tool('ping_me', {
    description: 'Answers pong',
    handler: () => 'pong',
  });

describe('plugins', () => {
  it('installs middleware, health checks, routes and telemetry listeners in one .use()', async () => {
    const ended: string[] = [];
    const counter: Plugin = {
      name: 'counter',
      install(builder) {
        let calls = 0;
        builder.use('tools/call', async (_ctx, next) => {
          calls++;
          const result = await next();
          return { ...result, content: [...result.content, { type: 'text', text: `call ${calls}` }] };
        });
        builder.health('counter', () => ({ healthy: true, details: { calls } }));
        builder.route('/calls', () => ({ status: 200, body: String(calls) }));
        builder.telemetry.on('request.end', (event) => ended.push(`${event.method} ${event.outcome}`));
      },
    };
    const builder = base().use(counter);
    const client = await createTestClient(builder);
    const result = await client.callTool('ping_me');
    expect(resultText(result)).toBe('pong\ncall 1');
    expect(ended).toContain('tools/call ok');
    await client.close();

    server = await serveForTest(builder);
    const calls = await fetch(`${server.origin}/calls`);
    expect(await calls.text()).toBe('1');
    const ready = (await (await fetch(`${server.origin}/readyz`)).json()) as {
      checks: Record<string, { details?: Record<string, unknown> }>;
    };
    expect(ready.checks.counter?.details).toEqual({ calls: 1 });
  });

  it('runs plugin middleware in the order plugins and middleware were given', async () => {
    const order: string[] = [];
    const tag = (name: string): Plugin => ({
      name,
      install: (builder) =>
        builder.use(async (_ctx, next) => {
          order.push(name);
          return next();
        }),
    });
    const client = await createTestClient(
      base().use(
        tag('a'),
        async (_ctx, next) => {
          order.push('b');
          return next();
        },
        tag('c'),
      ),
    );
    await client.callTool('ping_me');
    expect(order).toEqual(['a', 'b', 'c']);
    await client.close();
  });

  it('refuses a plugin scoped to methods, with a hint', () => {
    const plugin: Plugin = { name: 'scoped', install: () => {} };
    expect(() => base().use('tools/call', plugin as never)).toThrow(/cannot be scoped/);
  });
});

describe('extra routes', () => {
  it('serves a route beside the MCP endpoint with its status, headers, query and raw body', async () => {
    const builder = base().route('/hooks/payment', async (req) => ({
      status: 202,
      headers: { 'content-type': 'text/plain', 'x-seen-query': req.query },
      body: `${req.method} ${await req.text()}`,
    }));
    server = await serveForTest(builder);
    const response = await fetch(`${server.origin}/hooks/payment?source=psp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"id":"evt_1"}',
    });
    expect(response.status).toBe(202);
    expect(response.headers.get('x-seen-query')).toBe('source=psp');
    expect(await response.text()).toBe('POST {"id":"evt_1"}');
  });

  it('applies the Host check to routes (DNS-rebinding protection)', async () => {
    server = await serveForTest(base().route('/metrics', () => ({ status: 200, body: 'm 1' })));
    const response = await rawRequest(`${server.origin}/metrics`, {
      method: 'GET',
      headers: { host: 'evil.example.com' },
    });
    expect(response.status).toBe(403);
  });

  it('answers a coded refusal thrown by a route with its status and a 500 for anything else', async () => {
    server = await serveForTest(
      base()
        .route('/private', () => {
          throw new HttpRefusal(new McpkitError('FORBIDDEN', 'Not for you.'));
        })
        .route('/broken', () => {
          throw new Error('secret detail');
        }),
    );
    expect((await fetch(`${server.origin}/private`)).status).toBe(403);
    const broken = await fetch(`${server.origin}/broken`);
    expect(broken.status).toBe(500);
    expect(await broken.text()).not.toContain('secret detail');
    expect((await fetch(`${server.origin}/healthz`)).status).toBe(200);
  });

  it('bounds a route body by maxBodyBytes with 413', async () => {
    server = await serveForTest(
      base().route('/upload', async (req) => ({ status: 200, body: String((await req.text()).length) })),
      { maxBodyBytes: 64 },
    );
    const response = await fetch(`${server.origin}/upload`, { method: 'POST', body: 'x'.repeat(1_000) });
    expect(response.status).toBe(413);
  });

  it('serves routes from the fetch handler', async () => {
    const handler = base()
      .route('/.well-known/thing', () => ({
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: '{"ok":true}',
      }))
      .fetchHandler();
    const response = await handler(new Request('http://localhost/.well-known/thing'));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
  });

  it('rejects a route path without a leading slash or registered twice', () => {
    expect(() => base().route('metrics', () => ({ status: 200 }))).toThrow(/must start with/);
    const builder = base().route('/a', () => ({ status: 200 }));
    expect(() => builder.route('/a', () => ({ status: 200 }))).toThrow(/registered twice/);
  });
});
