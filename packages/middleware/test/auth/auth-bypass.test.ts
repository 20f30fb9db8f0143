// Acceptance 1: every way to get past auth over HTTP, through raw fetch and through real clients.
import { createServer, silentLogger } from '@mcpkit/core';
import { connectTestClient, resultText, serveForTest, type TestServer } from '@mcpkit/testing';
import { UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oauthResourceServer, rbac } from '../../src/index.js';
import { type MintOptions, signWith, startIssuer, strayKey, type TestIssuer } from '../fixtures/issuer.js';
import { postModern, type RpcBody } from '../fixtures/wire.js';

const RESOURCE = 'https://mcp.bank.test/mcp';

let issuer: TestIssuer;
let server: TestServer;
let clock = Date.now();
let handlerRuns = 0;

beforeAll(async () => {
  issuer = await startIssuer(RESOURCE);
  const app = createServer({ name: 'bank', version: '1.0.0', logger: silentLogger })
    .use(
      oauthResourceServer({
        resource: RESOURCE,
        authorizationServers: [issuer.issuer],
        jwt: { jwksUri: issuer.jwksUri, issuer: issuer.issuer, algorithms: ['RS256'], now: () => clock },
        scopesSupported: ['accounts:read', 'payments:write', 'payments:transfer'],
        toolScopes: { transfer: ['payments:transfer'] },
      }),
      rbac({ roles: { admin: ['payments:write'] }, tools: { refund: ['payments:write'] } }),
    )
    .tool('balance', {
      description: 'Balance of the caller',
      handler: (_args, ctx) => {
        handlerRuns++;
        return `balance of ${ctx.auth?.subject}`;
      },
    })
    .tool('refund', {
      description: 'Refunds a payment',
      handler: () => {
        handlerRuns++;
        return 'refunded';
      },
    })
    .tool('transfer', {
      description: 'Moves money',
      handler: () => {
        handlerRuns++;
        return 'moved';
      },
    });
  server = await serveForTest(app);
});

afterAll(async () => {
  await server?.close();
  await issuer?.close();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

interface BypassCase {
  name: string;
  headers: () => Promise<Record<string, string>>;
  tool: string;
  status: number;
  /** Expected `error=` of the challenge, or null when none is due (no credentials). */
  challengeError: string | null;
  reason?: string;
}

function tampered(token: string): string {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const flipped = signature.startsWith('A') ? `B${signature.slice(1)}` : `A${signature.slice(1)}`;
  return `${header}.${payload}.${flipped}`;
}

const mint = (options: MintOptions = {}) => issuer.mint({ now: clock, scope: 'accounts:read', ...options });

const cases: BypassCase[] = [
  { name: 'missing token', headers: async () => ({}), tool: 'balance', status: 401, challengeError: null },
  {
    name: 'malformed token',
    headers: async () => bearer('not-a-jwt'),
    tool: 'balance',
    status: 401,
    challengeError: 'invalid_token',
    reason: 'malformed',
  },
  {
    name: 'bad signature',
    headers: async () => bearer(tampered(await mint())),
    tool: 'balance',
    status: 401,
    challengeError: 'invalid_token',
    reason: 'bad_signature',
  },
  {
    name: 'expired',
    headers: async () => bearer(await mint({ now: clock - 3_600_000, expiresIn: 60 })),
    tool: 'balance',
    status: 401,
    challengeError: 'invalid_token',
    reason: 'expired',
  },
  {
    name: 'no expiry',
    headers: async () => bearer(await mint({ expiresIn: null })),
    tool: 'balance',
    status: 401,
    challengeError: 'invalid_token',
    reason: 'missing_expiry',
  },
  {
    name: 'lifetime over the 24 h maximum',
    headers: async () => bearer(await mint({ expiresIn: 30 * 24 * 3600 })),
    tool: 'balance',
    status: 401,
    challengeError: 'invalid_token',
    reason: 'lifetime_too_long',
  },
  {
    name: 'wrong issuer',
    headers: async () => bearer(await mint({ issuer: 'https://evil.test/' })),
    tool: 'balance',
    status: 401,
    challengeError: 'invalid_token',
    reason: 'wrong_issuer',
  },
  {
    name: 'wrong audience',
    headers: async () => bearer(await mint({ audience: 'https://other.test/mcp' })),
    tool: 'balance',
    status: 401,
    challengeError: 'invalid_token',
    reason: 'wrong_audience',
  },
  {
    name: 'alg none',
    headers: async () =>
      bearer(
        new UnsecuredJWT({ scope: 'accounts:read payments:write' })
          .setSubject('user-1')
          .setIssuer(issuer.issuer)
          .setAudience(RESOURCE)
          .setExpirationTime('5m')
          .encode(),
      ),
    tool: 'balance',
    status: 401,
    challengeError: 'invalid_token',
    reason: 'algorithm_not_allowed',
  },
  {
    name: 'key from a different JWKS',
    headers: async () =>
      bearer(
        await signWith(
          await strayKey('key-9'),
          {},
          { issuer: issuer.issuer, audience: RESOURCE, now: clock },
        ),
      ),
    tool: 'balance',
    status: 401,
    challengeError: 'invalid_token',
    reason: 'unknown_signing_key',
  },
  {
    name: 'foreign key reusing a published kid',
    headers: async () =>
      bearer(
        await signWith(
          await strayKey('key-1'),
          {},
          { issuer: issuer.issuer, audience: RESOURCE, now: clock },
        ),
      ),
    tool: 'balance',
    status: 401,
    challengeError: 'invalid_token',
    reason: 'bad_signature',
  },
  {
    name: 'valid token without the tool scope',
    headers: async () => bearer(await mint()),
    tool: 'transfer',
    status: 403,
    challengeError: 'insufficient_scope',
    reason: 'insufficient_scope',
  },
];

function challengeParams(header: string | null): Record<string, string> {
  const params: Record<string, string> = {};
  for (const match of (header ?? '').matchAll(/(\w+)="([^"]*)"/g))
    params[match[1] as string] = match[2] as string;
  return params;
}

describe('auth bypass suite over HTTP', () => {
  it('refuses every bypass attempt through raw fetch with the right status, challenge and code', async () => {
    const before = handlerRuns;
    let refused = 0;
    let successes = 0;
    for (const c of cases) {
      const response = await postModern(
        server.url,
        'tools/call',
        { name: c.tool, arguments: {} },
        await c.headers(),
      );
      const body = (await response.json()) as RpcBody;
      if (response.status === 200 && body.result && !body.result.isError) successes++;
      expect(response.status, c.name).toBe(c.status);
      const challenge = response.headers.get('www-authenticate');
      expect(challenge, c.name).toMatch(/^Bearer /);
      const params = challengeParams(challenge);
      expect(params.resource_metadata, c.name).toBe(
        'https://mcp.bank.test/.well-known/oauth-protected-resource/mcp',
      );
      expect(params.error ?? null, c.name).toBe(c.challengeError);
      expect(body.error?.data?.code, c.name).toBe(c.status === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN');
      if (c.reason)
        expect((body.error?.data?.details as { reason?: string } | undefined)?.reason, c.name).toBe(c.reason);
      if (c.status === 403) expect(params.scope).toBe('payments:transfer');
      refused++;
    }
    // The hidden tool: a valid caller without the role gets exactly what an unknown tool gets.
    const token = await mint();
    const hidden = (await (
      await postModern(server.url, 'tools/call', { name: 'refund' }, bearer(token))
    ).json()) as RpcBody;
    const unknown = (await (
      await postModern(server.url, 'tools/call', { name: 'nope' }, bearer(token))
    ).json()) as RpcBody;
    expect(hidden.error?.code).toBe(-32602);
    expect(hidden.error?.message).toBe('Unknown tool: refund');
    expect({ ...hidden.error, message: undefined }).toEqual({ ...unknown.error, message: undefined });
    if (hidden.result && !hidden.result.isError) successes++;
    else refused++;
    expect(handlerRuns).toBe(before);
    expect(successes).toBe(0);
    console.log(
      `auth-bypass(raw fetch): ${cases.length + 1} cases, ${refused} refused, ${successes} successes`,
    );
  });

  it('refuses every bypass attempt through real MCP clients in both eras, and never runs a handler', async () => {
    const before = handlerRuns;
    let refused = 0;
    let successes = 0;
    for (const era of ['modern', 'legacy'] as const) {
      for (const c of cases) {
        const headers = await c.headers();
        const outcome = await (async () => {
          const client = await connectTestClient(server.url, { era, headers });
          try {
            return await client.callTool(c.tool);
          } finally {
            await client.close();
          }
        })().then(
          (result) => (result.isError ? 'refused' : 'served'),
          () => 'refused',
        );
        if (outcome === 'served') successes++;
        else refused++;
      }
      const client = await connectTestClient(server.url, { era, headers: bearer(await mint()) });
      await expect(client.callTool('refund')).rejects.toThrow(/Unknown tool: refund/);
      refused++;
      expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(['balance', 'transfer']);
      await client.close();
    }
    expect(handlerRuns).toBe(before);
    expect(successes).toBe(0);
    console.log(
      `auth-bypass(real clients, both eras): ${2 * (cases.length + 1)} attempts, ${refused} refused, ${successes} successes`,
    );
  });

  it('serves a valid token, and an admin role reveals and allows the hidden tool', async () => {
    const client = await connectTestClient(server.url, {
      headers: bearer(await mint({ claims: { roles: ['admin'] } })),
    });
    expect(resultText(await client.callTool('balance'))).toBe('balance of user-1');
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('refund');
    expect(resultText(await client.callTool('refund'))).toBe('refunded');
    await client.close();
  });

  it('checks every request: a token that expires between two calls on one client is refused the second time', async () => {
    let refusedSecond = 0;
    for (const era of ['modern', 'legacy'] as const) {
      const token = await mint({ expiresIn: 60 });
      const client = await connectTestClient(server.url, { era, headers: bearer(token) });
      expect(resultText(await client.callTool('balance'))).toBe('balance of user-1');
      clock += 120_000;
      try {
        await expect(client.callTool('balance')).rejects.toThrow();
        refusedSecond++;
      } finally {
        clock -= 120_000;
        await client.close();
      }
    }
    const token = await mint({ expiresIn: 60 });
    expect((await postModern(server.url, 'tools/call', { name: 'balance' }, bearer(token))).status).toBe(200);
    clock += 120_000;
    const late = await postModern(server.url, 'tools/call', { name: 'balance' }, bearer(token));
    clock -= 120_000;
    expect(late.status).toBe(401);
    expect(challengeParams(late.headers.get('www-authenticate')).error_description).toBe(
      'The access token has expired.',
    );
    console.log(
      `auth-every-request: expired-between-calls refused on the second call in ${refusedSecond}/2 eras (+ raw)`,
    );
  });
});
