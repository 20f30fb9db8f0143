import { createServer, silentLogger } from '@mcpkit/core';
import { createTestClient, expectToolError, resultText, serveForTest } from '@mcpkit/testing';
import { mcpkitMatchers } from '@mcpkit/testing/vitest';
import { describe, expect, it } from 'vitest';
import { apiKey, hashApiKey } from '../../src/index.js';
import { postModern, type RpcBody } from '../fixtures/wire.js';

expect.extend(mcpkitMatchers);

const KEY = 'sk_live_7f3a9c0e1d2b4a6f';

function app(
  options: Parameters<typeof apiKey>[0] = {
    keys: [{ hash: hashApiKey(KEY), subject: 'svc-billing', scopes: ['billing:read'] }],
  },
) {
  return createServer({ name: 'keys', version: '1.0.0', logger: silentLogger })
    .use(apiKey(options))
    .tool('whoami', {
      description: 'Names the caller and its scopes',
      handler: (_args, ctx) => `${ctx.auth?.subject} [${ctx.auth?.scopes.join(',')}]`,
    });
}

describe('apiKey', () => {
  it('hashes keys with SHA-256 so only hashes are configured', () => {
    expect(hashApiKey(KEY)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiKey(KEY)).not.toContain(KEY);
  });

  it('maps a valid key to its identity and scopes in process, from x-api-key or a bearer header', async () => {
    for (const headers of [{ 'x-api-key': KEY }, { authorization: `Bearer ${KEY}` }] as Array<
      Record<string, string>
    >) {
      const client = await createTestClient(app(), { headers });
      expect(resultText(await client.callTool('whoami'))).toBe('svc-billing [billing:read]');
      await client.close();
    }
  });

  it('refuses a missing or unknown key in process with UNAUTHORIZED and never echoes the key', async () => {
    const anonymous = await createTestClient(app());
    expect(await anonymous.callTool('whoami')).toBeToolError('UNAUTHORIZED');
    await expect(anonymous.listTools()).rejects.toThrow(/API key is required/);
    await anonymous.close();
    const wrong = await createTestClient(app(), { headers: { 'x-api-key': 'sk_live_wrong_key_123' } });
    const error = expectToolError(await wrong.callTool('whoami'), 'UNAUTHORIZED');
    expect(JSON.stringify(error)).not.toContain('sk_live_wrong_key_123');
    expect(error.details).toEqual({ reason: 'unknown_key' });
    await wrong.close();
  });

  it('refuses over HTTP with 401 and a challenge naming the scheme the caller used, and serves the right key', async () => {
    const server = await serveForTest(app());
    try {
      // Nothing sent: every accepted scheme is offered, the key header first.
      const missing = await postModern(server.url, 'tools/call', { name: 'whoami' });
      expect(missing.status).toBe(401);
      expect(missing.headers.get('www-authenticate')).toBe(
        'ApiKey realm="mcp", header="x-api-key", Bearer realm="mcp"',
      );
      const wrong = await postModern(server.url, 'tools/call', { name: 'whoami' }, { 'x-api-key': 'nope' });
      expect(wrong.status).toBe(401);
      expect(wrong.headers.get('www-authenticate')).toBe(
        'ApiKey realm="mcp", header="x-api-key", error="invalid_key"',
      );
      expect(await wrong.text()).not.toContain('nope"');
      const wrongBearer = await postModern(
        server.url,
        'tools/call',
        { name: 'whoami' },
        { authorization: 'Bearer nope' },
      );
      expect(wrongBearer.status).toBe(401);
      expect(wrongBearer.headers.get('www-authenticate')).toBe('Bearer realm="mcp", error="invalid_token"');
      const ok = await postModern(server.url, 'tools/call', { name: 'whoami' }, { 'x-api-key': KEY });
      expect(ok.status).toBe(200);
      const body = (await ok.json()) as RpcBody;
      expect(body.result?.content).toEqual([{ type: 'text', text: 'svc-billing [billing:read]' }]);
    } finally {
      await server.close();
    }
  });

  it('offers only the key scheme when bearer keys are off, under its own header name', async () => {
    const server = await serveForTest(
      app({
        keys: [{ hash: hashApiKey(KEY), subject: 'svc' }],
        header: 'X-Service-Key',
        acceptBearer: false,
      }),
    );
    try {
      const missing = await postModern(server.url, 'tools/call', { name: 'whoami' });
      expect(missing.status).toBe(401);
      expect(missing.headers.get('www-authenticate')).toBe('ApiKey realm="mcp", header="x-service-key"');
    } finally {
      await server.close();
    }
  });

  it('falls back to a verify function for keys kept elsewhere', async () => {
    const builder = app({
      verify: (key) => (key === 'db-key-42' ? { subject: 'tenant-42', scopes: ['read'] } : undefined),
    });
    const client = await createTestClient(builder, { headers: { 'x-api-key': 'db-key-42' } });
    expect(resultText(await client.callTool('whoami'))).toBe('tenant-42 [read]');
    await client.close();
  });

  it('remembers accepted keys within its bound, never an unknown key, and asks verify every time', async () => {
    const keys = Array.from({ length: 1_200 }, (_, i) => `sk_many_${i}`);
    let allowed = true;
    const builder = app({
      keys: keys.map((key, i) => ({ hash: hashApiKey(key), subject: `svc-${i}` })),
      verify: (key) => (allowed && key === 'db-key-7' ? { subject: 'tenant-7', scopes: [] } : undefined),
    });
    // More distinct keys than are remembered: the first ones are hashed again and still accepted.
    for (const i of [0, 1, 1_199, 0, 1, 600]) {
      const client = await createTestClient(builder, { headers: { 'x-api-key': keys[i] as string } });
      expect(resultText(await client.callTool('whoami'))).toBe(`svc-${i} []`);
      await client.close();
    }
    const many = await createTestClient(builder, { headers: { 'x-api-key': 'sk_many_1' } });
    for (let i = 0; i < 5; i++) expect(resultText(await many.callTool('whoami'))).toBe('svc-1 []');
    await many.close();
    const wrong = await createTestClient(builder, { headers: { 'x-api-key': 'sk_many_1x' } });
    expect(await wrong.callTool('whoami')).toBeToolError('UNAUTHORIZED');
    await wrong.close();
    // A key from verify is not remembered: revoking it there takes effect on the next request.
    const tenant = await createTestClient(builder, { headers: { 'x-api-key': 'db-key-7' } });
    expect(resultText(await tenant.callTool('whoami'))).toBe('tenant-7 []');
    allowed = false;
    expect(await tenant.callTool('whoami')).toBeToolError('UNAUTHORIZED');
    await tenant.close();
  });

  it('reads the key from a custom header and can refuse bearer keys', async () => {
    const builder = app({
      keys: [{ hash: hashApiKey(KEY), subject: 'svc' }],
      header: 'X-Service-Key',
      acceptBearer: false,
    });
    const custom = await createTestClient(builder, { headers: { 'x-service-key': KEY } });
    expect(resultText(await custom.callTool('whoami'))).toBe('svc []');
    await custom.close();
    const viaBearer = await createTestClient(builder.build(), {
      headers: { authorization: `Bearer ${KEY}` },
    });
    expect(await viaBearer.callTool('whoami')).toBeToolError('UNAUTHORIZED');
    await viaBearer.close();
  });

  it('rejects a configuration that stores raw keys instead of hashes', () => {
    expect(() => apiKey({ keys: [{ hash: KEY, subject: 'x' }] })).toThrow(/not a hex SHA-256 hash/);
    expect(() => apiKey({})).toThrow(/needs `keys` or `verify`/);
  });
});
