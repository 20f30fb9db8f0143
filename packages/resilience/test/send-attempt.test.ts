import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createUpstream } from '@mcpkit/resilience';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

let server: Server;
let origin: string;
let connections: number;
let served: number;

beforeEach(async () => {
  connections = 0;
  served = 0;
  // A local upstream that counts TCP connections: every third request fails with a body to read.
  server = createServer((req, res) => {
    served += 1;
    const failing = req.url?.startsWith('/flaky') && served % 3 === 1;
    res.writeHead(failing ? 503 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(failing ? { error: 'busy', detail: 'x'.repeat(2_000) } : { ok: true }));
  });
  server.keepAliveTimeout = 10_000;
  server.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('connection reuse', () => {
  it('sends sequential calls over kept-alive connections, error responses and retries included', async () => {
    const items = createUpstream('items', {
      baseUrl: origin,
      breaker: false,
      retry: { baseDelayMs: 1, maxDelayMs: 2 },
    });
    for (let i = 0; i < 20; i++) await expect(items.get(`/items/${i}`)).resolves.toEqual({ ok: true });
    // The 503s' bodies are read to the end, so their connections go back to the pool too.
    for (let i = 0; i < 10; i++) await expect(items.get(`/flaky/${i}`)).resolves.toEqual({ ok: true });
    console.log(`[acceptance] keep-alive: ${served} sequential requests over ${connections} connections`);
    expect(served).toBeGreaterThan(30);
    // undici may open a second socket while the first is being released; without reuse it would be one each.
    expect(connections * 10).toBeLessThanOrEqual(served);
  });

  it('reuses the connections of earlier rounds of concurrent calls', async () => {
    const items = createUpstream('items', { baseUrl: origin, breaker: false });
    const WIDTH = 8;
    const ROUNDS = 10;
    const opened: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const before = connections;
      await Promise.all(Array.from({ length: WIDTH }, (_, i) => items.get(`/items/${round}-${i}`)));
      opened.push(connections - before);
    }
    console.log(
      `[acceptance] keep-alive: ${ROUNDS} rounds of ${WIDTH} concurrent calls opened ${opened.join('/')} connections`,
    );
    expect(served).toBe(ROUNDS * WIDTH);
    // undici grows its pool when a call is dispatched before a socket is released, but reuses what
    // it opened: without reuse every request would have a connection of its own.
    expect(connections * 3).toBeLessThanOrEqual(served);
  });
});
