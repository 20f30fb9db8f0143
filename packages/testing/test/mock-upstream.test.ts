import { type MockUpstream, mockUpstream } from '@mcpkit/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

let mock: MockUpstream;
beforeEach(async () => {
  mock = await mockUpstream();
});
afterEach(() => mock.close());

describe('mockUpstream', () => {
  it('answers a status sequence and repeats the last step', async () => {
    mock.route('GET', '/x', [503, 503, { body: { ok: 1 } }]);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await fetch(`${mock.url}/x`)).status);
    expect(statuses).toEqual([503, 503, 200, 200]);
    expect(mock.requests.map((r) => r.outcome)).toEqual([
      'status:503',
      'status:503',
      'status:200',
      'status:200',
    ]);
  });

  it('records method, path, query, headers and body', async () => {
    mock.route('POST', '/charges', { status: 201, body: { id: 'ch_1' } });
    const response = await fetch(`${mock.url}/charges?expand=card`, {
      method: 'POST',
      headers: { 'idempotency-key': 'k1', 'content-type': 'application/json' },
      body: '{"amount":5}',
    });
    expect(await response.json()).toEqual({ id: 'ch_1' });
    expect(mock.requests[0]).toMatchObject({
      index: 0,
      method: 'POST',
      path: '/charges',
      query: 'expand=card',
      body: '{"amount":5}',
      headers: expect.objectContaining({ 'idempotency-key': 'k1' }),
    });
  });

  it('sends Retry-After, delays, slow and oversized bodies', async () => {
    mock.route('GET', '/limited', { status: 429, retryAfterMs: 2_000 });
    mock.route('GET', '/big', { bodyBytes: 10_000 });
    mock.route('GET', '/slow', { body: 'abcdefghij', chunkDelayMs: 10, chunks: 5 });
    mock.route('GET', '/late', { delayMs: 40 });
    expect((await fetch(`${mock.url}/limited`)).headers.get('retry-after')).toBe('2');
    expect((await (await fetch(`${mock.url}/big`)).arrayBuffer()).byteLength).toBe(10_000);
    let started = performance.now();
    expect(await (await fetch(`${mock.url}/slow`)).text()).toBe('abcdefghij');
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
    started = performance.now();
    await fetch(`${mock.url}/late`);
    expect(performance.now() - started).toBeGreaterThanOrEqual(35);
  });

  it('resets connections and hangs until the client gives up, seeing the close', async () => {
    mock.route('GET', '/reset', { reset: true });
    mock.route('GET', '/hang', { hang: true });
    await expect(fetch(`${mock.url}/reset`)).rejects.toThrow();
    const controller = new AbortController();
    const pending = fetch(`${mock.url}/hang`, { signal: controller.signal });
    const [, hung] = await mock.waitForRequests(2);
    controller.abort();
    await expect(pending).rejects.toThrow();
    const closedAt = await mock.waitForClose(hung!);
    expect(closedAt).toBeGreaterThanOrEqual(hung!.receivedAt);
    expect(mock.requests.map((r) => r.outcome)).toEqual(['reset', 'hang']);
  });

  it('draws the same seeded faults for the same seed', async () => {
    const run = async () => {
      mock.reset();
      mock.route('GET', '*', 200);
      mock.faults({ rate: 0.5, seed: 7, kinds: ['5xx', '429'], retryAfterMs: 1_000 });
      for (let i = 0; i < 40; i++) await fetch(`${mock.url}/r`);
      return mock.requests.map((r) => r.outcome);
    };
    const first = await run();
    const second = await run();
    expect(second).toEqual(first);
    const faults = first.filter((o) => o.startsWith('fault:')).length;
    expect(faults).toBeGreaterThan(8);
    expect(faults).toBeLessThan(32);
    expect(first).toContain('fault:status:429');
  });

  it('answers 404 for unrouted requests and lets later routes win', async () => {
    expect((await fetch(`${mock.url}/nothing`)).status).toBe(404);
    mock.route('*', '/items/*', 200);
    mock.route('GET', '/items/special', 418);
    expect((await fetch(`${mock.url}/items/1`, { method: 'DELETE' })).status).toBe(200);
    expect((await fetch(`${mock.url}/items/special`)).status).toBe(418);
  });
});
