import {
  createClientCredentialsProvider,
  createRefreshTokenProvider,
  createUpstream,
} from '@mcpkit/resilience';
import { type MockUpstream, mockUpstream } from '@mcpkit/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

let auth: MockUpstream;
let api: MockUpstream;
beforeEach(async () => {
  auth = await mockUpstream();
  api = await mockUpstream();
});
afterEach(async () => {
  await auth.close();
  await api.close();
});

const issued = (prefix: string, expiresIn = 3_600) => {
  let n = 0;
  return () => ({ body: { access_token: `${prefix}-${++n}`, token_type: 'Bearer', expires_in: expiresIn } });
};

describe('OAuth2 token providers', () => {
  it('fetches a client-credentials token once for concurrent calls and caches it', async () => {
    auth.route('POST', '/token', (_r) => ({ delayMs: 20, ...issued('cc')() }));
    api.route('GET', '*', { body: { ok: true } });
    const provider = createClientCredentialsProvider({
      tokenUrl: `${auth.url}/token`,
      clientId: 'server',
      clientSecret: 's3cret',
      scope: ['payments:read', 'payments:write'],
    });
    const payments = createUpstream('payments', { baseUrl: api.url, auth: provider });
    await Promise.all([payments.get('/a'), payments.get('/b'), payments.get('/c')]);
    await payments.get('/d');
    expect(auth.requests).toHaveLength(1);
    const form = new URLSearchParams(auth.requests[0]?.body);
    expect(form.get('grant_type')).toBe('client_credentials');
    expect(form.get('scope')).toBe('payments:read payments:write');
    expect(auth.requests[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from('server:s3cret').toString('base64')}`,
    );
    expect(api.requests.map((r) => r.headers.authorization)).toEqual(Array(4).fill('Bearer cc-1'));
  });

  it('refreshes before expiry', async () => {
    auth.route('POST', '/token', issued('short', 1));
    const provider = createClientCredentialsProvider({
      tokenUrl: `${auth.url}/token`,
      clientId: 'server',
      clientSecret: 's3cret',
      refreshBeforeExpiryMs: 950,
    });
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      expect(await provider.getToken()).toBe('short-1');
      vi.setSystemTime(Date.now() + 400);
      expect(await provider.getToken()).toBe('short-1');
      // One-second tokens are refreshed after half their life at the latest.
      vi.setSystemTime(Date.now() + 150);
      expect(await provider.getToken()).toBe('short-2');
    } finally {
      vi.useRealTimers();
    }
  });

  it('refreshes once on a 401 and resends the request', async () => {
    const next = issued('rt');
    auth.route('POST', '/token', () => next());
    api.route('GET', '/me', [401, { body: { id: 'me' } }]);
    const provider = createRefreshTokenProvider({
      tokenUrl: `${auth.url}/token`,
      clientId: 'cli',
      refreshToken: 'refresh-1',
    });
    const crm = createUpstream('crm', { baseUrl: api.url, auth: provider, retry: false });
    expect(await crm.get('/me')).toEqual({ id: 'me' });
    expect(api.requests.map((r) => r.headers.authorization)).toEqual(['Bearer rt-1', 'Bearer rt-2']);
    expect(new URLSearchParams(auth.requests[0]?.body).get('refresh_token')).toBe('refresh-1');
  });

  it('gives up after one refresh when the upstream keeps answering 401', async () => {
    auth.route('POST', '/token', issued('rt'));
    api.route('GET', '/me', 401);
    const provider = createRefreshTokenProvider({
      tokenUrl: `${auth.url}/token`,
      clientId: 'cli',
      refreshToken: 'r',
    });
    const crm = createUpstream('crm', { baseUrl: api.url, auth: provider });
    await expect(crm.get('/me')).rejects.toMatchObject({ code: 'UPSTREAM_ERROR', retryable: false });
    expect(api.requests).toHaveLength(2);
    expect(auth.requests).toHaveLength(2);
  });

  it('follows refresh-token rotation', async () => {
    auth.route('POST', '/token', [
      { body: { access_token: 'a1', expires_in: 1, refresh_token: 'refresh-2' } },
      { body: { access_token: 'a2', expires_in: 3_600 } },
    ]);
    const stored: string[] = [];
    const provider = createRefreshTokenProvider({
      tokenUrl: `${auth.url}/token`,
      clientId: 'cli',
      refreshToken: 'refresh-1',
      refreshBeforeExpiryMs: 1_000,
      onRefreshToken: (token) => {
        stored.push(token);
      },
    });
    expect(await provider.getToken()).toBe('a1');
    provider.invalidate('a1');
    expect(await provider.getToken()).toBe('a2');
    expect(stored).toEqual(['refresh-2']);
    expect(new URLSearchParams(auth.requests[1]?.body).get('refresh_token')).toBe('refresh-2');
  });

  it('maps a refused token request to a non-retryable UPSTREAM_ERROR', async () => {
    auth.route('POST', '/token', { status: 401, body: { error: 'invalid_client' } });
    const provider = createClientCredentialsProvider({
      tokenUrl: `${auth.url}/token`,
      clientId: 'x',
      clientSecret: 'y',
    });
    await expect(provider.getToken()).rejects.toMatchObject({ code: 'UPSTREAM_ERROR', retryable: false });
  });
});
