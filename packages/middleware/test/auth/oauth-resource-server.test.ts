import { createServer, silentLogger } from '@mcpkit/core';
import { createTestClient, resultText, serveForTest, type TestServer } from '@mcpkit/testing';
import { mcpkitMatchers } from '@mcpkit/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oauthResourceServer, protectedResourceMetadataPath } from '../../src/index.js';
import { startIssuer, type TestIssuer } from '../fixtures/issuer.js';
import { postModern } from '../fixtures/wire.js';

expect.extend(mcpkitMatchers);

const RESOURCE = 'https://mcp.example.test/mcp';
let issuer: TestIssuer;
let server: TestServer;

function app() {
  return createServer({ name: 'rs', version: '1.0.0', logger: silentLogger })
    .use(
      oauthResourceServer({
        resource: RESOURCE,
        authorizationServers: [issuer.issuer],
        jwt: { jwksUri: issuer.jwksUri, issuer: issuer.issuer },
        scopesSupported: ['mcp:read', 'mcp:admin'],
        requiredScopes: ['mcp:read'],
        resourceName: 'Example MCP',
      }),
    )
    .tool('whoami', { description: 'Names the caller', handler: (_a, ctx) => ctx.auth?.subject ?? 'nobody' });
}

beforeAll(async () => {
  issuer = await startIssuer(RESOURCE);
  server = await serveForTest(app());
});
afterAll(async () => {
  await server.close();
  await issuer.close();
});

describe('oauthResourceServer', () => {
  it('derives the RFC 9728 metadata path from the resource path', () => {
    expect(protectedResourceMetadataPath('https://h.test/mcp')).toBe(
      '/.well-known/oauth-protected-resource/mcp',
    );
    expect(protectedResourceMetadataPath('https://h.test/tenant/a/mcp/')).toBe(
      '/.well-known/oauth-protected-resource/tenant/a/mcp',
    );
    expect(protectedResourceMetadataPath('https://h.test')).toBe('/.well-known/oauth-protected-resource');
  });

  it('serves the metadata document at the path-inserted and the root well-known URLs', async () => {
    for (const path of [
      '/.well-known/oauth-protected-resource/mcp',
      '/.well-known/oauth-protected-resource',
    ]) {
      const response = await fetch(`${server.origin}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
      expect(await response.json()).toEqual({
        resource: RESOURCE,
        authorization_servers: [issuer.issuer],
        scopes_supported: ['mcp:read', 'mcp:admin'],
        bearer_methods_supported: ['header'],
        resource_name: 'Example MCP',
      });
    }
    expect(
      (await fetch(`${server.origin}/.well-known/oauth-protected-resource/mcp`, { method: 'POST' })).status,
    ).toBe(405);
  });

  it('answers 401 with resource_metadata and the needed scope, without an error code when no token was sent', async () => {
    const response = await postModern(server.url, 'tools/call', { name: 'whoami' });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(
      'Bearer resource_metadata="https://mcp.example.test/.well-known/oauth-protected-resource/mcp", scope="mcp:read"',
    );
  });

  it('binds the audience to the resource and enforces the required scopes with 403 insufficient_scope', async () => {
    const elsewhere = await issuer.mint({ scope: 'mcp:read', audience: 'https://mcp.example.test/other' });
    expect(
      (await postModern(server.url, 'tools/list', {}, { authorization: `Bearer ${elsewhere}` })).status,
    ).toBe(401);
    const noScope = await issuer.mint({ scope: 'profile' });
    const forbidden = await postModern(server.url, 'tools/list', {}, { authorization: `Bearer ${noScope}` });
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get('www-authenticate')).toMatch(/error="insufficient_scope".*scope="mcp:read"/);
    const good = await issuer.mint({ scope: 'mcp:read' });
    const client = await (await import('@mcpkit/testing')).connectTestClient(server.url, {
      headers: { authorization: `Bearer ${good}` },
    });
    expect(resultText(await client.callTool('whoami'))).toBe('user-1');
    await client.close();
  });

  it('checks tokens in process too, where no HTTP edge exists', async () => {
    const client = await createTestClient(app(), {
      headers: { authorization: `Bearer ${await issuer.mint({ scope: 'x' })}` },
    });
    expect(await client.callTool('whoami')).toBeToolError('FORBIDDEN');
    await client.close();
  });

  it('refuses a configuration without a way to verify tokens', () => {
    expect(() =>
      oauthResourceServer({ resource: RESOURCE, authorizationServers: ['https://as.test'] }),
    ).toThrow(/give `jwt` options or a `verify` function/);
  });
});
