import { createServer, silentLogger } from '@mcpkit/core';
import { createTestClient, resultText, serveForTest } from '@mcpkit/testing';
import { mcpkitMatchers } from '@mcpkit/testing/vitest';
import { generateSecret, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJwtVerifier, jwt } from '../../src/index.js';
import { startIssuer, type TestIssuer } from '../fixtures/issuer.js';
import { postModern } from '../fixtures/wire.js';

expect.extend(mcpkitMatchers);

const AUDIENCE = 'https://api.test/mcp';
let issuer: TestIssuer;

beforeAll(async () => {
  issuer = await startIssuer(AUDIENCE);
});
afterAll(async () => {
  await issuer.close();
});

function app(options: Partial<Parameters<typeof jwt>[0]> = {}) {
  return createServer({ name: 'jwt', version: '1.0.0', logger: silentLogger })
    .use(jwt({ jwksUri: issuer.jwksUri, issuer: issuer.issuer, audience: AUDIENCE, ...options }))
    .tool('whoami', {
      description: 'Names the caller',
      handler: (_args, ctx) =>
        `${ctx.auth?.subject} ${ctx.auth?.clientId ?? '-'} [${ctx.auth?.scopes.join(',')}] ${String(ctx.auth?.claims?.tenant)}`,
    });
}

describe('jwt', () => {
  it('turns a verified token into ctx.auth with scopes, client id and claims, in process', async () => {
    const token = await issuer.mint({ scope: 'a b', claims: { client_id: 'cli-1', tenant: 't-9' } });
    const client = await createTestClient(app(), { headers: { authorization: `Bearer ${token}` } });
    expect(resultText(await client.callTool('whoami'))).toBe('user-1 cli-1 [a,b] t-9');
    await client.close();
  });

  it('maps each failure to a specific reason without echoing the token', async () => {
    const verify = createJwtVerifier({ jwksUri: issuer.jwksUri, issuer: issuer.issuer, audience: AUDIENCE });
    const expired = await issuer.mint({ now: Date.now() - 3_600_000, expiresIn: 10 });
    await expect(verify(expired)).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
      details: { reason: 'expired' },
    });
    const error = (await verify(expired).then(
      () => new Error('verified'),
      (e: Error) => e,
    )) as Error;
    expect(JSON.stringify({ ...error, text: error.message })).not.toContain(expired);
    await expect(verify('a.b.c')).rejects.toMatchObject({ details: { reason: 'malformed' } });
    const noSubject = await issuer.mint({ subject: '' });
    await expect(verify(noSubject)).rejects.toMatchObject({ details: { reason: 'invalid_claims' } });
  });

  it('honours the clock tolerance for just-expired tokens', async () => {
    let now = Date.now();
    const verify = createJwtVerifier({
      jwksUri: issuer.jwksUri,
      issuer: issuer.issuer,
      audience: AUDIENCE,
      clockToleranceMs: 30_000,
      now: () => now,
    });
    const token = await issuer.mint({ now, expiresIn: 60 });
    now += 80_000;
    await expect(verify(token)).resolves.toMatchObject({ subject: 'user-1' });
    now += 20_000;
    await expect(verify(token)).rejects.toMatchObject({ details: { reason: 'expired' } });
  });

  it('caches the JWKS and picks up a rotated key on the next unknown kid', async () => {
    const verify = createJwtVerifier({
      jwksUri: issuer.jwksUri,
      issuer: issuer.issuer,
      audience: AUDIENCE,
      jwksCooldownMs: 0,
    });
    const before = issuer.fetches;
    await verify(await issuer.mint());
    await verify(await issuer.mint());
    expect(issuer.fetches - before).toBe(1);
    await issuer.rotate();
    await expect(verify(await issuer.mint())).resolves.toMatchObject({ subject: 'user-1' });
    expect(issuer.fetches - before).toBe(2);
  });

  it('refuses algorithms outside the allow-list even with a valid key', async () => {
    const secret = await generateSecret('HS256');
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u')
      .setIssuer('iss')
      .setAudience('aud')
      .setExpirationTime('5m')
      .sign(secret);
    const strict = createJwtVerifier({ key: secret, issuer: 'iss', audience: 'aud', algorithms: ['RS256'] });
    await expect(strict(token)).rejects.toMatchObject({ details: { reason: 'algorithm_not_allowed' } });
    const hmac = createJwtVerifier({
      key: secret,
      issuer: 'iss',
      audience: 'aud',
      algorithms: ['HS256', 'none'],
    });
    await expect(hmac(token)).resolves.toMatchObject({ subject: 'u' });
  });

  it('answers 503 (not 401) when the issuer keys cannot be fetched', async () => {
    const server = await serveForTest(app({ jwksUri: 'http://127.0.0.1:9/jwks.json', jwksTimeoutMs: 500 }));
    try {
      const response = await postModern(
        server.url,
        'tools/call',
        { name: 'whoami' },
        {
          authorization: `Bearer ${await issuer.mint()}`,
        },
      );
      expect(response.status).toBe(503);
      expect(((await response.json()) as { error: { data: { code: string } } }).error.data.code).toBe(
        'UPSTREAM_UNAVAILABLE',
      );
    } finally {
      await server.close();
    }
  });

  it('refuses an anonymous in-process caller with a coded tool error', async () => {
    const client = await createTestClient(app());
    expect(await client.callTool('whoami')).toBeToolError('UNAUTHORIZED');
    await client.close();
  });

  it('rejects an impossible configuration at start-up', () => {
    expect(() => createJwtVerifier({ issuer: 'i', audience: 'a' })).toThrow(/jwksUri` or `key` is required/);
    expect(() =>
      createJwtVerifier({ key: new Uint8Array(32), issuer: 'i', audience: 'a', algorithms: ['none'] }),
    ).toThrow(/at least one signing algorithm/);
  });
});
