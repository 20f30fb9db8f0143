// Issue 12, acceptance 2: a token that never expires is refused by both verifiers, in both eras.
import { createServer, type Plugin, silentLogger } from '@mcpkit/core';
import { connectTestClient, resultText, serveForTest, type TestServer } from '@mcpkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJwtVerifier, jwt, oauthResourceServer } from '../../src/index.js';
import { startIssuer, type TestIssuer } from '../fixtures/issuer.js';
import type { RpcBody } from '../fixtures/wire.js';

const RESOURCE = 'https://mcp.ledger.test/mcp';
const HOUR = 3_600_000;

let issuer: TestIssuer;
const servers: Record<string, TestServer> = {};

function app(auth: Plugin) {
  return createServer({ name: 'ledger', version: '1.0.0', logger: silentLogger })
    .use(auth)
    .tool('whoami', {
      description: 'Names the caller',
      handler: (_args, ctx) => ctx.auth?.subject ?? 'anonymous',
    });
}

beforeAll(async () => {
  issuer = await startIssuer(RESOURCE);
  const jwtOptions = { jwksUri: issuer.jwksUri, issuer: issuer.issuer };
  servers.jwt = await serveForTest(app(jwt({ ...jwtOptions, audience: RESOURCE })));
  servers.oauthResourceServer = await serveForTest(
    app(oauthResourceServer({ resource: RESOURCE, authorizationServers: [issuer.issuer], jwt: jwtOptions })),
  );
});

afterAll(async () => {
  for (const server of Object.values(servers)) await server.close();
  await issuer?.close();
});

/** A refusal as the client's HTTP layer received it. */
interface Refusal {
  status: number;
  challenge: string | null;
  body: RpcBody;
}

/** Connects a real MCP client with `token` and records every 401/403 its transport received. */
async function callWith(url: string, era: 'modern' | 'legacy', token: string) {
  const refusals: Refusal[] = [];
  const recording = async (input: string | URL, init?: RequestInit) => {
    const response = await fetch(input, init);
    if (response.status === 401 || response.status === 403) {
      refusals.push({
        status: response.status,
        challenge: response.headers.get('www-authenticate'),
        body: (await response.clone().json()) as RpcBody,
      });
    }
    return response;
  };
  const outcome = await (async () => {
    const client = await connectTestClient(url, {
      era,
      headers: { authorization: `Bearer ${token}` },
      fetch: recording,
    });
    try {
      return resultText(await client.callTool('whoami'));
    } finally {
      await client.close();
    }
  })().catch((error: Error) => error);
  return { outcome, refusals };
}

function challengeParams(header: string | null): Record<string, string> {
  const params: Record<string, string> = {};
  for (const match of (header ?? '').matchAll(/(\w+)="([^"]*)"/g))
    params[match[1] as string] = match[2] as string;
  return params;
}

describe.each(['jwt', 'oauthResourceServer'] as const)('token lifetime over HTTP (%s)', (verifier) => {
  it.each(['modern', 'legacy'] as const)(
    'refuses a token without exp with 401 invalid_token and reason missing_expiry (%s era)',
    async (era) => {
      const url = (servers[verifier] as TestServer).url;
      const { outcome, refusals } = await callWith(url, era, await issuer.mint({ expiresIn: null }));
      expect(outcome).toBeInstanceOf(Error);
      expect(refusals.length).toBeGreaterThan(0);
      for (const refusal of refusals) {
        expect(refusal.status).toBe(401);
        const params = challengeParams(refusal.challenge);
        expect(refusal.challenge).toMatch(/^Bearer /);
        expect(params.error).toBe('invalid_token');
        expect(params.error_description).toBe('The access token has no expiry (exp claim).');
        expect(refusal.body.error?.data).toMatchObject({
          code: 'UNAUTHORIZED',
          details: { reason: 'missing_expiry' },
        });
      }
    },
  );

  it.each(['modern', 'legacy'] as const)(
    'serves a 5-minute token and refuses one valid for 48 h (%s era)',
    async (era) => {
      const url = (servers[verifier] as TestServer).url;
      const ok = await callWith(url, era, await issuer.mint({ expiresIn: 300 }));
      expect(ok.outcome).toBe('user-1');
      expect(ok.refusals).toEqual([]);
      const long = await callWith(url, era, await issuer.mint({ expiresIn: (48 * HOUR) / 1000 }));
      expect(long.outcome).toBeInstanceOf(Error);
      expect(long.refusals[0]?.status).toBe(401);
      expect(challengeParams(long.refusals[0]?.challenge ?? null).error).toBe('invalid_token');
      expect(long.refusals[0]?.body.error?.data).toMatchObject({ details: { reason: 'lifetime_too_long' } });
    },
  );
});

describe('token lifetime rules', () => {
  const verifier = (options: Partial<Parameters<typeof createJwtVerifier>[0]> = {}) =>
    createJwtVerifier({ jwksUri: issuer.jwksUri, issuer: issuer.issuer, audience: RESOURCE, ...options });

  it('accepts up to 24 hours of lifetime by default, within the clock tolerance', async () => {
    const verify = verifier();
    await expect(verify(await issuer.mint({ expiresIn: 24 * 3600 + 4 }))).resolves.toMatchObject({
      subject: 'user-1',
    });
    await expect(verify(await issuer.mint({ expiresIn: 24 * 3600 + 60 }))).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
      details: { reason: 'lifetime_too_long' },
      message: 'The access token is valid for longer than this server accepts (at most 24 h).',
    });
  });

  it('measures the lifetime from now when iat is missing or in the future', async () => {
    const now = Date.now();
    const verify = verifier({ maxLifetimeMs: HOUR, now: () => now });
    const noIat = await issuer.mint({ now, issuedAt: null, expiresIn: 2 * 3600 });
    await expect(verify(noIat)).rejects.toMatchObject({ details: { reason: 'lifetime_too_long' } });
    const futureIat = await issuer.mint({ now, issuedAt: now + 100 * HOUR, expiresIn: 100 * 3600 + 1800 });
    await expect(verify(futureIat)).rejects.toMatchObject({ details: { reason: 'lifetime_too_long' } });
    await expect(verify(await issuer.mint({ now, issuedAt: null, expiresIn: 1800 }))).resolves.toMatchObject({
      subject: 'user-1',
    });
  });

  it('with requireExp off, ages an exp-less token out by its iat and refuses one without iat or from the future', async () => {
    let now = Date.now();
    const verify = verifier({ requireExp: false, maxLifetimeMs: HOUR, now: () => now });
    const token = await issuer.mint({ now, expiresIn: null });
    await expect(verify(token)).resolves.toMatchObject({ subject: 'user-1' });
    now += HOUR + 10_000;
    await expect(verify(token)).rejects.toMatchObject({ details: { reason: 'expired' } });
    const unbounded = await issuer.mint({ now, expiresIn: null, issuedAt: null });
    await expect(verify(unbounded)).rejects.toMatchObject({ details: { reason: 'lifetime_too_long' } });
    const future = await issuer.mint({ now, expiresIn: null, issuedAt: now + 10 * HOUR });
    await expect(verify(future)).rejects.toMatchObject({ details: { reason: 'invalid_claims' } });
    const anything = verifier({ requireExp: false, maxLifetimeMs: Number.POSITIVE_INFINITY });
    await expect(anything(unbounded)).resolves.toMatchObject({ subject: 'user-1' });
  });

  it('rejects a maximum lifetime that is not a positive number at start-up', () => {
    expect(() => verifier({ maxLifetimeMs: 0 })).toThrow(/maxLifetimeMs` must be a positive number/);
    expect(() => verifier({ maxLifetimeMs: Number.NaN })).toThrow(/maxLifetimeMs/);
  });
});
