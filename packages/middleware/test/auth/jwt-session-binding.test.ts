// The probe's hijack with real JWTs: a second caller with her own valid token reuses the first
// caller's legacy session id. Core binds the session to the verified identity jwt() attaches.
import { createServer, silentLogger } from '@mcpkit/core';
import { serveForTest, type TestServer } from '@mcpkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jwt } from '../../src/index.js';
import { startIssuer, type TestIssuer } from '../fixtures/issuer.js';

const AUDIENCE = 'https://mcp.notes.test/mcp';
const LEGACY = '2025-11-25';

let issuer: TestIssuer;
let server: TestServer;

beforeAll(async () => {
  issuer = await startIssuer(AUDIENCE);
  const app = createServer({ name: 'notes', version: '1.0.0', logger: silentLogger })
    .use(jwt({ jwksUri: issuer.jwksUri, issuer: issuer.issuer, audience: AUDIENCE, algorithms: ['RS256'] }))
    .tool('whoami', { description: 'Names the caller', handler: (_args, ctx) => ctx.auth?.subject ?? '' });
  server = await serveForTest(app, { sessions: true });
});

afterAll(async () => {
  await server?.close();
  await issuer?.close();
});

function headers(token: string, sessionId?: string): Record<string, string> {
  return {
    authorization: `Bearer ${token}`,
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    ...(sessionId ? { 'mcp-session-id': sessionId, 'mcp-protocol-version': LEGACY } : {}),
  };
}

const rpc = (id: number, method: string, params: Record<string, unknown>) =>
  JSON.stringify({ jsonrpc: '2.0', id, method, params });

describe('jwt() and legacy sessions', () => {
  it("gives another verified caller 404 for the first caller's session on POST, GET and DELETE", async () => {
    const alice = await issuer.mint({ subject: 'alice' });
    const bob = await issuer.mint({ subject: 'bob' });
    const init = await fetch(server.url, {
      method: 'POST',
      headers: headers(alice),
      body: rpc(0, 'initialize', {
        protocolVersion: LEGACY,
        capabilities: {},
        clientInfo: { name: 'a', version: '1' },
      }),
    });
    expect(init.status).toBe(200);
    const session = init.headers.get('mcp-session-id') as string;
    const call = (token: string, id: number) =>
      fetch(server.url, {
        method: 'POST',
        headers: headers(token, session),
        body: rpc(id, 'tools/call', { name: 'whoami', arguments: {} }),
      });

    expect((await call(bob, 1)).status).toBe(404);
    const stream = await fetch(server.url, {
      headers: { ...headers(bob, session), accept: 'text/event-stream' },
    });
    expect(stream.status).toBe(404);
    await stream.body?.cancel();
    const deleted = await fetch(server.url, { method: 'DELETE', headers: headers(bob, session) });
    expect(deleted.status).toBe(404);
    await deleted.body?.cancel();

    const own = await call(alice, 2);
    expect(own.status).toBe(200);
    expect(await own.json()).toMatchObject({ id: 2, result: { content: [{ text: 'alice' }] } });
  });
});
