import { createServer, type TelemetryEvents } from '@mcpkit/core';
import { createUpstream } from '@mcpkit/resilience';
import { createTestClient, seededRandom } from '@mcpkit/testing';
import { afterEach, expect, it, vi } from 'vitest';
import * as z from 'zod';
import { faultyFetch, KINDS } from './faulty-fetch.js';

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

it('keeps ≥ 99.5 % of 2,000 tool calls successful under 20 % seeded upstream faults, at ≤ 1.3 requests per call', async () => {
  // On the fake clock the 200 ms attempt deadline ends only the seeded hangs, never a slow machine.
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  // The backoff's jitter draws from Math.random: seeded too, so every run is the same run.
  vi.spyOn(Math, 'random').mockImplementation(seededRandom(11));
  // Per attempt: mixed 5xx, 429 with a 10 ms Retry-After, connection resets, and hangs that only
  // the 200 ms attempt deadline ends.
  const upstream = faultyFetch(0.2, 20_260_728, '0.01');
  const items = createUpstream('items', {
    baseUrl: 'http://upstream.test',
    fetch: upstream.fetch,
    attemptTimeoutMs: 200,
    deadlineMs: 3_000,
    retry: { maxAttempts: 4, baseDelayMs: 2, maxDelayMs: 20, budget: { ratio: 0.5 } },
    breaker: { threshold: 0.5, durationMs: 2_000, minimumRps: 10, halfOpenAfterMs: 500 },
  });
  const server = createServer({ name: 'chaos', version: '1.0.0' })
    .use(items)
    .tool('get_item', {
      description: 'Reads an item',
      input: z.object({ id: z.string() }),
      output: z.object({ id: z.string() }),
      handler: async ({ id }, ctx) =>
        items.get(`/items/${id}`, { ctx, schema: z.object({ id: z.string() }) }),
    });
  const giveups: Array<TelemetryEvents['upstream.giveup']> = [];
  server.telemetry.on('upstream.giveup', (e) => giveups.push(e));
  let breakerOpened = 0;
  server.telemetry.on('breaker.open', () => {
    breakerOpened += 1;
  });
  const client = await createTestClient(server);

  const CALLS = 2_000;
  const CONCURRENCY = 16;
  let ok = 0;
  let next = 0;
  let running = CONCURRENCY;
  // A pool of callers, each taking the next call as soon as its last one ends: a hung attempt
  // holds up one caller, not a whole batch.
  const caller = async () => {
    while (next < CALLS) {
      const id = String(next++);
      const result = await client.callTool('get_item', { id });
      if (!result.isError && (result.structuredContent as { id?: string } | undefined)?.id === id) ok += 1;
    }
    running -= 1;
  };
  const callers = Promise.all(Array.from({ length: CONCURRENCY }, caller));
  while (running > 0) await vi.advanceTimersByTimeAsync(5);
  await callers;

  const faults = upstream.seen.filter((s) => s !== 'ok');
  const ratio = upstream.seen.length / CALLS;
  console.log(
    `[acceptance] chaos (fake clock): ${ok}/${CALLS} tool calls succeeded (${((ok / CALLS) * 100).toFixed(2)} %), ` +
      `${upstream.seen.length} upstream requests / ${CALLS} tool calls = ${ratio.toFixed(3)}, ` +
      `${faults.length} faults injected (${KINDS.map((k) => `${k} ${faults.filter((f) => f === k).length}`).join(', ')}), breaker opened ${breakerOpened} times`,
  );
  expect(new Set(faults)).toEqual(new Set(KINDS));
  expect(ok / CALLS).toBeGreaterThanOrEqual(0.995);
  expect(ratio).toBeLessThanOrEqual(1.3);
  expect(giveups.length).toBe(CALLS - ok);
  await client.close();
});
