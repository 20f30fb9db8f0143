import { performance } from 'node:perf_hooks';
import { createTestClient, type TestClient } from '@mcpkit/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MemoryServer } from '../src/server.js';
import type { MemoryDatabase } from '../src/storage/open-database.js';
import { type Backend, backends } from './support/databases.js';
import { call, clientOf, memoryServerFor } from './support/harness.js';

/** Writes through `writer`, then waits until instance B's change feed has heard it (so later counts start clean). */
async function rememberAndSettle(
  writer: TestClient,
  b: MemoryServer,
  args: Record<string, unknown>,
): Promise<string> {
  const heard = b.feed.received;
  const { memory } = await call<{ memory: { id: string } }>(writer, 'remember', args);
  await vi.waitFor(() => expect(b.feed.received).toBeGreaterThan(heard), { timeout: 5_000 });
  return memory.id;
}

const updatesFor = (client: TestClient, uri: string) =>
  client.notifications.filter((n) => n.method === 'notifications/resources/updated' && n.params?.uri === uri)
    .length;

describe.each(backends)('subscriptions across two instances on $name', ({ name, create }) => {
  let backend: Backend;
  let instanceA: MemoryServer;
  let instanceB: MemoryServer;

  beforeAll(async () => {
    backend = await create();
    const first = await backend.open();
    // Two instances: on PostgreSQL each has its own pool and LISTEN connection; PGlite lives in one process, so they share it.
    const second: MemoryDatabase = name === 'postgres' ? await backend.open() : first;
    instanceA = await memoryServerFor(first);
    instanceB = await memoryServerFor(second);
  }, 60_000);
  afterAll(async () => {
    await instanceA?.close();
    await instanceB?.close();
    await backend?.cleanup();
  });

  it('tells a legacy subscriber on B of an update made through A (resources/subscribe)', async () => {
    const writer = await clientOf(instanceA, 'acme', 'modern');
    const reader = await clientOf(instanceB, 'acme', 'legacy');
    const id = await rememberAndSettle(writer, instanceB, { content: 'Subscribed note', tags: ['watched'] });
    const uri = `memory://${id}`;
    await reader.client.subscribeResource({ uri });
    await reader.client.subscribeResource({ uri: 'memory://tags/watched' });
    await call(writer, 'update_memory', { id, content: 'Subscribed note, edited' });
    await vi.waitFor(() => expect(updatesFor(reader, uri)).toBe(1), { timeout: 5_000 });
    await vi.waitFor(() => expect(updatesFor(reader, 'memory://tags/watched')).toBeGreaterThanOrEqual(1));
    const read = await reader.readResource(uri);
    expect(JSON.stringify(read.contents[0])).toContain('edited');
    await reader.client.unsubscribeResource({ uri });
    await call(writer, 'update_memory', { id, importance: 0.1 });
    await call(writer, 'remember', {
      content: 'a later write, to be sure the feed has moved on',
      tags: ['watched'],
    });
    await vi.waitFor(() => expect(updatesFor(reader, 'memory://tags/watched')).toBeGreaterThanOrEqual(3));
    expect(updatesFor(reader, uri)).toBe(1);
    await writer.close();
    await reader.close();
  });

  it('tells a modern listener on B of an update and a delete made through A (subscriptions/listen)', async () => {
    const writer = await clientOf(instanceA, 'acme', 'legacy', {
      elicitation: () => ({ action: 'accept', content: { confirm: true } }),
    });
    const reader = await clientOf(instanceB, 'acme', 'modern');
    const id = await rememberAndSettle(writer, instanceB, { content: 'Listened note' });
    const uri = `memory://${id}`;
    const subscription = await reader.client.listen({ resourceSubscriptions: [uri, 'memory://digest'] });
    expect(subscription.honoredFilter.resourceSubscriptions).toEqual([uri, 'memory://digest']);
    await call(writer, 'update_memory', { id, importance: 0.9 });
    await vi.waitFor(() => expect(updatesFor(reader, uri)).toBe(1), { timeout: 5_000 });
    await call(writer, 'forget', { id });
    await vi.waitFor(() => expect(updatesFor(reader, uri)).toBe(2), { timeout: 5_000 });
    expect(updatesFor(reader, 'memory://digest')).toBeGreaterThanOrEqual(2);
    await subscription.close();
    await writer.close();
    await reader.close();
  });

  it("voids B's cached recall when A writes", async () => {
    const a = await clientOf(instanceA, 'acme', 'modern');
    const b = await clientOf(instanceB, 'acme', 'modern');
    const tag = `cachecheck-${name}`;
    await call(a, 'remember', { content: 'Harbour cranes unload containers', tags: [tag] });
    const before = await call<{ hits: unknown[] }>(b, 'recall', { query: 'cranes', tags: [tag] });
    expect(before.hits).toHaveLength(1);
    const heard = instanceB.feed.received;
    await call(a, 'remember', { content: 'Cranes also lift wind turbine blades', tags: [tag] });
    await vi.waitFor(() => expect(instanceB.feed.received).toBeGreaterThan(heard), { timeout: 5_000 });
    const after = await call<{ hits: unknown[] }>(b, 'recall', { query: 'cranes', tags: [tag] });
    expect(after.hits).toHaveLength(2);
    await a.close();
    await b.close();
  });

  it('delivers each of 100 updates through A to a subscriber on B', async () => {
    const writer = await clientOf(instanceA, 'acme', 'modern');
    const reader = await createTestClient(instanceB.server, {
      era: 'legacy',
      headers: { 'x-api-key': 'key-acme' },
    });
    const id = await rememberAndSettle(writer, instanceB, { content: 'Counter 0' });
    const uri = `memory://${id}`;
    await reader.client.subscribeResource({ uri });
    const latencies: number[] = [];
    for (let i = 1; i <= 100; i++) {
      // From the start of the write through A (its commit included) to the notification on B.
      const started = performance.now();
      await call(writer, 'update_memory', { id, content: `Counter ${i}` });
      await vi.waitFor(() => expect(updatesFor(reader, uri)).toBe(i), { timeout: 5_000, interval: 1 });
      latencies.push(performance.now() - started);
    }
    latencies.sort((a, b) => a - b);
    // Reported, not asserted: speed targets belong to benchmarks, not to tests.
    console.info(
      `subscription latency ${name} (write on A → notification on B, 100 updates): p50 ${latencies[49]?.toFixed(1)} ms, p99 ${latencies[98]?.toFixed(1)} ms, max ${latencies[99]?.toFixed(1)} ms`,
    );
    await writer.close();
    await reader.close();
  }, 60_000);
});
