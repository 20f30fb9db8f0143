import { createClient, type RemoteError } from '@mcpkit/client';
import { createServer, type HttpServerHandle, McpkitError, silentLogger } from '@mcpkit/core';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';

/** A seeded generator (mulberry32), so a fault run is the same run every time. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const CALLS = 1_000;
const RATE = 0.2;

/** A server whose tools fail `rate` of their calls with a retryable coded error. */
function flakyServer(seed: number, rate = RATE) {
  const random = seeded(seed);
  const attempts = { lookup: 0, transfer: 0 };
  const fail = () => {
    if (random() < rate) {
      throw new McpkitError('UPSTREAM_UNAVAILABLE', 'The ledger is busy.', {
        retryable: true,
        ...(random() < 0.5 ? { retryAfterMs: 1 } : {}),
      });
    }
  };
  const server = createServer({ name: 'flaky', version: '1.0.0', logger: silentLogger })
    .tool('lookup', {
      description: 'Reads a balance (idempotent)',
      input: { account: z.string() },
      output: { balance: z.number() },
      annotations: { idempotentHint: true },
      handler: () => {
        attempts.lookup++;
        fail();
        return { balance: 10 };
      },
    })
    .tool('transfer', {
      description: 'Moves money (not idempotent)',
      input: { amount: z.number() },
      output: { ok: z.boolean() },
      handler: () => {
        attempts.transfer++;
        fail();
        return { ok: true };
      },
    });
  return { server, attempts };
}

async function run(call: () => Promise<unknown>): Promise<{ ok: number; failed: RemoteError[] }> {
  let ok = 0;
  const failed: RemoteError[] = [];
  // One call after the other: the seeded faults then fall on the same calls in every run.
  for (let i = 0; i < CALLS; i++) {
    try {
      await call();
      ok++;
    } catch (error) {
      failed.push(error as RemoteError);
    }
  }
  return { ok, failed };
}

let http: HttpServerHandle | undefined;
afterEach(async () => {
  await http?.close();
  http = undefined;
});

describe('calls under a 20 % retryable failure rate', () => {
  it('1,000 idempotent calls: at least 99.5 % succeed with at most 1.3 attempts per call', async () => {
    const { server, attempts } = flakyServer(1);
    const client = await createClient(server, { retry: { baseDelayMs: 1, maxDelayMs: 5 } });
    const { ok, failed } = await run(() => client.tools.lookup({ account: 'a' }));
    await client.close();
    expect(failed.every((error) => error.code === 'UPSTREAM_UNAVAILABLE')).toBe(true);
    expect(ok / CALLS).toBeGreaterThanOrEqual(0.995);
    expect(attempts.lookup / CALLS).toBeLessThanOrEqual(1.3);
    console.log(
      `idempotent: ${ok}/${CALLS} succeeded, ${(attempts.lookup / CALLS).toFixed(3)} attempts per call`,
    );
  });

  it('1,000 non-idempotent calls are never retried: one attempt each, failures reported', async () => {
    const { server, attempts } = flakyServer(2);
    const client = await createClient(server, { retry: { baseDelayMs: 1, maxDelayMs: 5 } });
    const { ok, failed } = await run(() => client.tools.transfer({ amount: 1 }));
    await client.close();
    expect(attempts.transfer).toBe(CALLS);
    expect(ok + failed.length).toBe(CALLS);
    expect(failed.length).toBeGreaterThan(150);
    expect(failed.every((error) => error.code === 'UPSTREAM_UNAVAILABLE' && error.retryable)).toBe(true);
    console.log(`non-idempotent: ${attempts.transfer} attempts for ${CALLS} calls, ${failed.length} failed`);
  });

  it('transport faults (HTTP 503 and dropped connections on 20 % of calls) are retried for idempotent tools', async () => {
    // The tool itself never fails here: only the transport does.
    const { server, attempts } = flakyServer(3, 0);
    const random = seeded(4);
    http = await server.serve({ port: 0, host: '127.0.0.1' });
    let posts = 0;
    let faults = 0;
    const faulty = async (url: string | URL, init?: RequestInit): Promise<Response> => {
      const body = typeof init?.body === 'string' ? init.body : '';
      if (init?.method === 'POST' && body.includes('"tools/call"')) {
        posts++;
        const draw = random();
        if (draw < RATE / 2) {
          faults++;
          return new Response('busy', { status: 503 });
        }
        if (draw < RATE) {
          faults++;
          throw new TypeError('fetch failed', { cause: new Error('ECONNRESET') });
        }
      }
      return fetch(url, init);
    };
    const client = await createClient<typeof server>(http.url, {
      fetch: faulty,
      retry: { baseDelayMs: 1, maxDelayMs: 5 },
      // A 20 % fault rate is below the default breaker's 50 % threshold: it must stay closed.
    });
    const { ok, failed } = await run(() => client.tools.lookup({ account: 'a' }));
    await client.close();
    // Every POST that got through reached the tool exactly once.
    expect(attempts.lookup).toBe(posts - faults);
    expect(ok / CALLS).toBeGreaterThanOrEqual(0.995);
    expect(posts / CALLS).toBeLessThanOrEqual(1.3);
    expect(faults).toBeGreaterThan(150);
    expect(failed.length).toBe(CALLS - ok);
    expect(client.breakerState).toBe('closed');
    console.log(
      `transport faults: ${ok}/${CALLS} succeeded, ${(posts / CALLS).toFixed(3)} requests per call, ${faults} faults`,
    );
  });
});

describe('connecting through a flaky network', () => {
  it('retries the handshake on a fresh transport after a dropped connection', async () => {
    const { server } = flakyServer(5, 0);
    http = await server.serve({ port: 0, host: '127.0.0.1' });
    let dropped = 0;
    const flaky = async (url: string | URL, init?: RequestInit): Promise<Response> => {
      if (dropped < 2) {
        dropped++;
        throw new TypeError('fetch failed', { cause: new Error('read ECONNRESET') });
      }
      return fetch(url, init);
    };
    const client = await createClient<typeof server>(http.url, { fetch: flaky, retry: { baseDelayMs: 1 } });
    expect(dropped).toBe(2);
    expect(await client.tools.lookup({ account: 'a' })).toEqual({ balance: 10 });
    await client.close();
  });

  it('gives up with UPSTREAM_UNAVAILABLE when the server stays unreachable', async () => {
    // A port that was free a moment ago: nothing listens there.
    const probe = await createServer({ name: 'gone', version: '1.0.0', logger: silentLogger }).serve({
      port: 0,
      host: '127.0.0.1',
    });
    await probe.close();
    const error = await createClient(probe.url, { retry: { baseDelayMs: 1, maxAttempts: 2 } }).catch(
      (e: unknown) => e,
    );
    expect((error as RemoteError).code).toBe('UPSTREAM_UNAVAILABLE');
  });
});
