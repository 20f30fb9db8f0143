import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createUpstream } from '@mcpkit/resilience';
import { loadCassette, mockUpstream, recordUpstream, replayUpstream, saveCassette } from '@mcpkit/testing';
import { afterEach, describe, expect, it } from 'vitest';

const API_KEY = 'sk_live_4f9a8b7c6d5e4f3a2b1c';
const SESSION = 'sess_9c8b7a6f5e4d3c2b1a';
let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('recordUpstream / replayUpstream', () => {
  it('records a real upstream once, redacted, and replays it with the upstream gone', async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcpkit-cassette-'));
    const file = join(dir, 'rates.json');
    const provider = await mockUpstream();
    provider.route('GET', '/rates', {
      headers: { 'set-cookie': `session=${SESSION}` },
      body: { base: 'EUR', usd: 1.08, accessToken: SESSION },
    });
    provider.route('POST', '/quotes', { status: 201, body: { id: 'q_1', amount: 100 } });

    // Record: the code under test talks to the real (here: local) provider through the recorder.
    const recorder = recordUpstream();
    const live = createUpstream('rates', {
      baseUrl: provider.url,
      headers: { authorization: `Bearer ${API_KEY}` },
      fetch: recorder.fetch,
      retry: false,
    });
    const rates = await live.get<{ usd: number }>(`/rates?api_key=${API_KEY}`);
    const quote = await live.post<{ id: string }>('/quotes', { json: { amount: 100, password: API_KEY } });
    expect(rates.usd).toBe(1.08);
    expect(quote.id).toBe('q_1');
    await saveCassette(file, recorder.cassette());
    await provider.close();

    // The file holds the shapes, never the secrets.
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain(API_KEY);
    expect(text).not.toContain(SESSION);
    const saved = JSON.parse(text) as {
      entries: Array<{ request: { path: string }; response: { body: string } }>;
    };
    expect(saved.entries.map((e) => e.request.path)).toEqual(['/rates?api_key=[Redacted]', '/quotes']);
    expect(saved.entries[0]?.response.body).toContain('"usd":1.08');

    // Replay: the provider is gone; the same calls get the recorded answers.
    const replay = replayUpstream(await loadCassette(file));
    const offline = createUpstream('rates', {
      baseUrl: provider.url,
      headers: { authorization: 'Bearer dummy-ci-key' },
      fetch: replay.fetch,
      retry: false,
    });
    expect(await offline.get(`/rates?api_key=dummy-ci-key`)).toEqual({
      base: 'EUR',
      usd: 1.08,
      accessToken: '[Redacted]',
    });
    expect(await offline.post('/quotes', { json: { amount: 100, password: 'other' } })).toEqual({
      id: 'q_1',
      amount: 100,
    });
    replay.assertAllReplayed();
    // A request the cassette does not hold fails instead of reaching the network.
    await expect(offline.get('/not-recorded')).rejects.toThrow();
    await replay.close();
  });

  it('reports exchanges the code under test no longer makes', async () => {
    const replay = replayUpstream({
      version: 1,
      entries: [
        {
          request: { method: 'GET', origin: 'http://127.0.0.1:9', path: '/a' },
          response: { status: 200, headers: { 'content-type': 'application/json' }, body: '{}' },
        },
      ],
    });
    expect(() => replay.assertAllReplayed()).toThrow(/pending/i);
    await replay.close();
  });

  it('refuses a missing cassette with a coded error and a hint', async () => {
    await expect(loadCassette(join(tmpdir(), 'no-such-cassette.json'))).rejects.toMatchObject({
      code: 'NOT_FOUND',
      hint: expect.stringContaining('recordUpstream'),
    });
  });
});
