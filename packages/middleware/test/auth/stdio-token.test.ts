// jwt() and oauthResourceServer() over stdio: the launch environment's MCP_ACCESS_TOKEN is the
// caller's bearer token, verified per request with the same rules as over HTTP.
import { PassThrough } from 'node:stream';
import { createServer, META, type Plugin, silentLogger } from '@mcpkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jwt, oauthResourceServer } from '../../src/index.js';
import { startIssuer, type TestIssuer } from '../fixtures/issuer.js';

const RESOURCE = 'https://mcp.notes.test/mcp';
const META_ENVELOPE = {
  [META.protocolVersion]: '2026-07-28',
  [META.clientInfo]: { name: 'raw-stdio', version: '1.0.0' },
  [META.clientCapabilities]: {},
};

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await startIssuer(RESOURCE);
});
afterAll(async () => {
  await issuer?.close();
});

interface Reply {
  result?: Record<string, unknown>;
  error?: { code: number; data?: { code?: string; details?: { reason?: string }; hint?: string } };
}

/** Serves `auth` over in-memory stdio streams launched with `env`, one modern request per call. */
function launch(auth: Plugin, env: Record<string, string>) {
  const input = new PassThrough();
  const output = new PassThrough();
  const handle = createServer({ name: 'notes', version: '1.0.0', logger: silentLogger })
    .use(auth)
    .tool('whoami', { description: 'Names the caller', handler: (_args, ctx) => ctx.auth?.subject ?? '-' })
    .stdio({ input, output, env });
  const replies = new Map<number, Reply>();
  let buffer = '';
  output.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    for (let newline = buffer.indexOf('\n'); newline >= 0; newline = buffer.indexOf('\n')) {
      const reply = JSON.parse(buffer.slice(0, newline)) as Reply & { id: number };
      replies.set(reply.id, reply);
      buffer = buffer.slice(newline + 1);
    }
  });
  let id = 0;
  const request = async (method: string, params: Record<string, unknown> = {}): Promise<Reply> => {
    const own = ++id;
    input.write(
      `${JSON.stringify({ jsonrpc: '2.0', id: own, method, params: { ...params, _meta: META_ENVELOPE } })}\n`,
    );
    while (!replies.has(own)) await new Promise((resolve) => setImmediate(resolve));
    return replies.get(own) as Reply;
  };
  return { request, close: () => handle.close() };
}

const verifiers = {
  jwt: () => jwt({ jwksUri: issuer.jwksUri, issuer: issuer.issuer, audience: RESOURCE }),
  oauthResourceServer: () =>
    oauthResourceServer({
      resource: RESOURCE,
      authorizationServers: [issuer.issuer],
      jwt: { jwksUri: issuer.jwksUri, issuer: issuer.issuer },
    }),
};

describe.each(Object.keys(verifiers) as Array<keyof typeof verifiers>)('%s over stdio', (name) => {
  it('serves the caller whose token the launcher put in MCP_ACCESS_TOKEN', async () => {
    const stdio = launch(verifiers[name](), { MCP_ACCESS_TOKEN: await issuer.mint({ subject: 'ada' }) });
    const call = await stdio.request('tools/call', { name: 'whoami', arguments: {} });
    expect(call.result?.content).toEqual([{ type: 'text', text: 'ada' }]);
    await stdio.close();
  });

  it('refuses a launch token without exp with -32600 UNAUTHORIZED missing_expiry', async () => {
    const stdio = launch(verifiers[name](), { MCP_ACCESS_TOKEN: await issuer.mint({ expiresIn: null }) });
    const listed = await stdio.request('tools/list');
    expect(listed.error?.code).toBe(-32600);
    expect(listed.error?.data).toMatchObject({ code: 'UNAUTHORIZED', details: { reason: 'missing_expiry' } });
    await stdio.close();
  });

  it('refuses a launch without a token with a hint naming the variable', async () => {
    const missing = launch(verifiers[name](), {});
    const refused = await missing.request('tools/list');
    expect(refused.error?.data).toMatchObject({ code: 'UNAUTHORIZED', details: { reason: 'missing' } });
    expect(refused.error?.data?.hint).toContain('MCP_ACCESS_TOKEN');
    await missing.close();
  });
});

describe('stdioEnv', () => {
  it('names the variable a stdio server reads, and false reads none', async () => {
    const token = await issuer.mint({ subject: 'grace' });
    const options = { jwksUri: issuer.jwksUri, issuer: issuer.issuer, audience: RESOURCE };
    const custom = launch(jwt({ ...options, stdioEnv: 'NOTES_TOKEN' }), { NOTES_TOKEN: token });
    expect((await custom.request('tools/call', { name: 'whoami', arguments: {} })).result?.content).toEqual([
      { type: 'text', text: 'grace' },
    ]);
    await custom.close();
    const off = launch(jwt({ ...options, stdioEnv: false }), { MCP_ACCESS_TOKEN: token });
    const refused = await off.request('tools/list');
    expect(refused.error?.data).toMatchObject({ code: 'UNAUTHORIZED', details: { reason: 'missing' } });
    expect(refused.error?.data?.hint).toBe('Send "Authorization: Bearer <token>".');
    await off.close();
  });
});
