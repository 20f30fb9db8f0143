import { createServer, silentLogger } from '@mcpkit/core';
import { connectTestClient, resultText, serveForTest } from '@mcpkit/testing';
import { describe, expect, it } from 'vitest';
import { createNonceCache, signedRequests, signRequest, verifySignedRequest } from '../../src/index.js';
import { MODERN_META, postModern } from '../fixtures/wire.js';

const SECRET = 's2s-secret-0123456789';

describe('signRequest / verifySignedRequest', () => {
  const request = { method: 'POST', path: '/mcp', body: '{"jsonrpc":"2.0"}' };

  it('accepts a fresh signature once and refuses its replay', () => {
    let now = 1_700_000_000_000;
    const nonces = createNonceCache({ ttlMs: 600_000 });
    const headers = signRequest(request, { secret: SECRET, keyId: 'billing', now: () => now });
    const options = { secrets: { billing: SECRET }, nonces, now: () => now };
    expect(verifySignedRequest({ ...request, headers }, options)).toEqual({ keyId: 'billing' });
    now += 1_000;
    expect(() => verifySignedRequest({ ...request, headers }, options)).toThrow(/already received/);
  });

  it('refuses a changed body, path, stale timestamp, unknown key or forged signature', () => {
    const now = 1_700_000_000_000;
    const headers = signRequest(request, { secret: SECRET, now: () => now });
    const verify = (
      req: Parameters<typeof verifySignedRequest>[0],
      at = now,
      secrets: Record<string, string> = { default: SECRET },
    ) => {
      try {
        verifySignedRequest(req, { secrets, nonces: createNonceCache({ ttlMs: 600_000 }), now: () => at });
        return 'accepted';
      } catch (error) {
        return (error as { details: { reason: string } }).details.reason;
      }
    };
    expect(verify({ ...request, body: '{"jsonrpc":"2.0","x":1}', headers })).toBe('body_mismatch');
    expect(verify({ ...request, path: '/admin', headers })).toBe('bad_signature');
    expect(verify({ ...request, headers }, now + 301_000)).toBe('stale');
    expect(verify({ ...request, headers }, now, { other: SECRET })).toBe('unknown_key');
    expect(
      verify({ ...request, headers: { ...headers, 'x-mcpkit-signature': `v1=${'0'.repeat(64)}` } }),
    ).toBe('bad_signature');
    expect(verify({ ...request, headers: {} })).toBe('missing');
    expect(verify({ ...request, headers })).toBe('accepted');
  });

  it('bounds the nonce memory', () => {
    const nonces = createNonceCache({ ttlMs: 1_000, max: 2 });
    expect(nonces.add('a', 0)).toBe(true);
    expect(nonces.add('a', 10)).toBe(false);
    expect(nonces.add('b', 20)).toBe(true);
    expect(nonces.add('c', 30)).toBe(true);
    expect(nonces.add('a', 40)).toBe(true);
    expect(nonces.add('c', 2_000)).toBe(true);
  });
});

describe('signedRequests over HTTP', () => {
  it('serves a client that signs every request and refuses unsigned or replayed ones with 401', async () => {
    const server = await serveForTest(
      createServer({ name: 's2s', version: '1.0.0', logger: silentLogger })
        .use(signedRequests({ secrets: { billing: SECRET } }))
        .tool('whoami', { description: 'Caller', handler: (_a, ctx) => ctx.auth?.subject ?? 'anonymous' }),
    );
    try {
      const signingFetch = async (url: string | URL, init?: RequestInit) => {
        const target = new URL(url);
        const body = typeof init?.body === 'string' ? init.body : '';
        const headers = new Headers(init?.headers);
        const signed = signRequest(
          { method: init?.method ?? 'GET', path: target.pathname, body },
          { secret: SECRET, keyId: 'billing' },
        );
        for (const [name, value] of Object.entries(signed)) headers.set(name, value);
        return fetch(url, { ...init, headers });
      };
      for (const era of ['modern', 'legacy'] as const) {
        const client = await connectTestClient(server.url, { era, fetch: signingFetch });
        expect(resultText(await client.callTool('whoami'))).toBe('service:billing');
        await client.close();
      }
      const unsigned = await postModern(server.url, 'tools/call', { name: 'whoami' });
      expect(unsigned.status).toBe(401);
      // Signed over the exact bytes postModern sends (same id, params and envelope).
      const body = JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/list',
        params: { _meta: MODERN_META },
      });
      const headers = signRequest(
        { method: 'POST', path: '/mcp', body },
        { secret: SECRET, keyId: 'billing' },
      );
      const first = await postModern(server.url, 'tools/list', {}, headers);
      expect(first.status).toBe(200);
      const replay = await postModern(server.url, 'tools/list', {}, headers);
      expect(replay.status).toBe(401);
      // The same headers over a different body (id 2) are refused for the body, before the nonce.
      const tampered = await postModern(server.url, 'tools/list', {}, headers, 2);
      expect(tampered.status).toBe(401);
      const reason = ((await tampered.json()) as { error: { data: { details: { reason: string } } } }).error
        .data.details.reason;
      expect(reason).not.toBe('replayed');
      expect(((await replay.json()) as { error: { data: { details: unknown } } }).error.data.details).toEqual(
        {
          reason: 'replayed',
        },
      );
    } finally {
      await server.close();
    }
  });
});
