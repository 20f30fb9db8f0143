import { createServer as createHttpServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer, type ServeOptions, silentLogger } from '@mcpkit/core';
import { serveForTest, type TestServer } from '@mcpkit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type RateLimitOptions, rateLimit } from '../../src/index.js';
import { postModern, type RpcBody } from '../fixtures/wire.js';

/** A reverse proxy in the manner of nginx's `$proxy_add_x_forwarded_for`: it appends its peer on the right. */
async function appendingProxy(target: string): Promise<{ url: string; close(): Promise<void> }> {
  const upstream = new URL(target);
  const proxy: Server = createHttpServer((req, res) => {
    const peer = req.socket.remoteAddress ?? 'unknown';
    const given = req.headers['x-forwarded-for'];
    const headers = { ...req.headers, 'x-forwarded-for': given ? `${given}, ${peer}` : peer };
    const forward = httpRequest(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const { port } = proxy.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${upstream.pathname}`,
    close: () => new Promise((resolve) => proxy.close(() => resolve())),
  };
}

let server: TestServer | undefined;
let proxy: { close(): Promise<void> } | undefined;

afterEach(async () => {
  await proxy?.close();
  await server?.close();
  proxy = server = undefined;
});

async function behindProxy(limit: Partial<RateLimitOptions>, serve: ServeOptions): Promise<string> {
  const app = createServer({ name: 'behind-proxy', version: '1.0.0', logger: silentLogger })
    .use(rateLimit({ by: 'ip', limit: 3, windowMs: 60_000, ...limit }))
    .tool('ping_tool', { description: 'Answers', handler: () => 'pong' });
  server = await serveForTest(app, serve);
  const front = await appendingProxy(server.url);
  proxy = front;
  return front.url;
}

/** Calls the tool 10 times, each with a fresh X-Forwarded-For the client made up; returns how many were served. */
async function rotatingClient(url: string): Promise<number> {
  let served = 0;
  for (let i = 0; i < 10; i++) {
    const spoofed = `198.51.100.${i + 1}`;
    const response = await postModern(
      url,
      'tools/call',
      { name: 'ping_tool' },
      { 'x-forwarded-for': spoofed },
    );
    const body = (await response.json().catch(() => ({}))) as RpcBody;
    if (response.status === 200 && body.result?.isError !== true) served++;
  }
  return served;
}

describe('rate limiting by IP behind a proxy that appends X-Forwarded-For', () => {
  it('limits a client rotating its own X-Forwarded-For as one client (edge, server trustProxy: 1)', async () => {
    const url = await behindProxy({ edge: true }, { trustProxy: 1 });
    expect(await rotatingClient(url)).toBe(3);
  });

  it('limits a client rotating its own X-Forwarded-For as one client (middleware, trustForwardedFor)', async () => {
    const url = await behindProxy({ trustForwardedFor: true }, {});
    expect(await rotatingClient(url)).toBe(3);
  });
});
