// The mounting guide (docs/guide/http-and-mounting.md), end to end: each framework mounts an
// mcpkit fetch handler the way the guide shows, listens on 127.0.0.1 with a port the OS picks,
// and a real MCP client calls a tool through it in both protocol eras.
import { createServer as createNodeServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener, serve } from '@hono/node-server';
import { createServer, type FetchHandler } from '@mcpkit/core';
import { connectTestClient, resultText } from '@mcpkit/testing';
import express from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';

/**
 * The server every framework mounts: a tool that reads its input and the request headers, and one
 * that reports progress, so its answer is an event stream that must pass the bridge as it goes.
 */
function shop(path = '/mcp'): FetchHandler {
  return createServer({ name: 'shop', version: '1.0.0' })
    .tool('price', {
      description: 'Price of a product in cents',
      input: z.object({ sku: z.string() }),
      handler: ({ sku }, ctx) => `${sku}=1200 tenant=${ctx.headers['x-tenant'] ?? 'none'}`,
    })
    .tool('restock', {
      description: 'Restocks every shelf, reporting progress',
      handler: async (_args, ctx) => {
        for (let shelf = 1; shelf <= 3; shelf++) {
          ctx.progress(shelf, 3, `shelf ${shelf}`);
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        return 'restocked';
      },
    })
    .fetchHandler({ path, allowedHosts: ['127.0.0.1', 'localhost'] });
}

const mcpHandler = () => shop();

/** Address of a listening node:http server. */
function originOf(server: Server): string {
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(originOf(server))));
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

/** Calls `price` through a real MCP client in both eras and checks the health endpoints. */
async function exercise(origin: string, mcpPath = '/mcp'): Promise<void> {
  for (const era of ['modern', 'legacy'] as const) {
    const client = await connectTestClient(`${origin}${mcpPath}`, { era, headers: { 'x-tenant': 'acme' } });
    try {
      expect(client.era).toBe(era);
      const tools = await client.listTools();
      expect(tools.tools.map((tool) => tool.name)).toEqual(['price', 'restock']);
      expect(resultText(await client.callTool('price', { sku: 'A-1' }))).toBe('A-1=1200 tenant=acme');
      const progress: string[] = [];
      const restocked = await client.callTool(
        'restock',
        {},
        {
          onProgress: (p) => progress.push(`${p.progress}/${p.total}`),
        },
      );
      expect(resultText(restocked)).toBe('restocked');
      expect(progress).toEqual(['1/3', '2/3', '3/3']);
    } finally {
      await client.close();
    }
  }
  const ready = await fetch(`${origin}/readyz`);
  expect(ready.status).toBe(200);
  expect(await ready.json()).toMatchObject({ status: 'ready', version: '1.0.0' });
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

describe('mounting an mcpkit server', () => {
  it('serves MCP inside a Hono app on @hono/node-server, beside the app’s own routes', async () => {
    const mcp = mcpHandler();
    const app = new Hono();
    app.get('/', (c) => c.text('shop front'));
    app.all('/mcp', (c) => mcp(c.req.raw));
    app.get('/healthz', (c) => mcp(c.req.raw));
    app.get('/readyz', (c) => mcp(c.req.raw));

    const origin = await new Promise<string>((resolve, reject) => {
      const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) =>
        resolve(`http://127.0.0.1:${info.port}`),
      ) as Server;
      server.once('error', reject);
      cleanups.push(async () => {
        await mcp.drain(1_000);
        await closeServer(server);
      });
    });

    await exercise(origin);
    expect(await (await fetch(`${origin}/`)).text()).toBe('shop front');
  });

  it('serves MCP inside an Express app, whose JSON body parser stays on its own routes', async () => {
    const mcp = mcpHandler();
    const toMcp = getRequestListener(mcp);
    const app = express();
    app.post('/orders', express.json(), (req, res) => {
      res.json({ received: req.body });
    });
    app.all(['/mcp', '/healthz', '/readyz'], (req, res) => {
      void toMcp(req, res);
    });
    const server = createNodeServer(app);
    const origin = await listen(server);
    cleanups.push(async () => {
      await mcp.drain(1_000);
      await closeServer(server);
    });

    await exercise(origin);
    const order = await fetch(`${origin}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sku: 'A-1' }),
    });
    expect(await order.json()).toEqual({ received: { sku: 'A-1' } });
  });

  it('serves MCP inside a Fastify app, in a scope that leaves the body to mcpkit', async () => {
    const mcp = mcpHandler();
    const toMcp = getRequestListener(mcp);
    const app: FastifyInstance = Fastify();
    app.get('/', async () => ({ shop: 'front' }));
    await app.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', (_request, _payload, done) => done(null));
      scope.all('/mcp', async (request, reply) => {
        reply.hijack();
        await toMcp(request.raw, reply.raw);
      });
      for (const path of ['/healthz', '/readyz']) {
        scope.get(path, async (request, reply) => {
          reply.hijack();
          await toMcp(request.raw, reply.raw);
        });
      }
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const origin = originOf(app.server);
    cleanups.push(async () => {
      await mcp.drain(1_000);
      await app.close();
    });

    await exercise(origin);
    expect(await (await fetch(`${origin}/`)).json()).toEqual({ shop: 'front' });
  });

  it('serves the bare fetch handler on node:http, at a path of its own', async () => {
    const mcp = shop('/api/mcp');
    const server = createNodeServer(getRequestListener(mcp));
    const origin = await listen(server);
    cleanups.push(async () => {
      await mcp.drain(1_000);
      await closeServer(server);
    });

    await exercise(origin, '/api/mcp');
    expect((await fetch(`${origin}/mcp`, { method: 'POST' })).status).toBe(404);
  });

  it('refuses a Host the mounted handler does not allow, whatever the framework', async () => {
    const mcp = mcpHandler();
    const app = new Hono();
    app.all('/mcp', (c) => mcp(c.req.raw));
    const response = await app.fetch(
      new Request('http://evil.example/mcp', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
      }),
    );
    expect(response.status).toBe(403);
    const body = (await response.json()) as { error: { code: number } };
    expect(body.error.code).toBe(-32600);
  });
});
