import { type MockUpstream, mockUpstream } from '@mcpkit/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHashingEmbedding } from '../src/embeddings/hashing-embedding.js';
import { createOpenAIEmbedding } from '../src/embeddings/openai-embedding.js';
import { type MemoryDatabase, openDatabase } from '../src/storage/open-database.js';
import { call, clientOf, memoryServerFor } from './support/harness.js';

const DIMENSIONS = 256;

/** An OpenAI-style answer: the hashing embedding stands in for the model, so vectors are meaningful. */
function embeddingsReply(request: { body: string }) {
  const { input } = JSON.parse(request.body) as { input: string[] };
  return createHashingEmbedding({ dimensions: DIMENSIONS })
    .embed(input)
    .then((vectors) => ({
      body: {
        object: 'list',
        data: vectors.map((embedding, index) => ({ object: 'embedding', index, embedding })),
      },
    }));
}

describe('the hashing embedding', () => {
  it('is deterministic, normalised and closer for texts that share words and word pieces', async () => {
    const provider = createHashingEmbedding({ dimensions: DIMENSIONS });
    const [a, b, c, again] = await provider.embed([
      'kubernetes autoscaler',
      'kubernetis autoscaling',
      'espresso machine',
      'kubernetes autoscaler',
    ]);
    const dot = (x: number[] = [], y: number[] = []) =>
      x.reduce((sum, value, i) => sum + value * (y[i] ?? 0), 0);
    expect(again).toEqual(a);
    expect(dot(a, a)).toBeCloseTo(1, 6);
    expect(dot(a, b)).toBeGreaterThan(0.4);
    expect(dot(a, c)).toBeLessThan(0.2);
    expect(provider.name).toMatch(/^hashing-trigram-v1 .*not semantic/);
  });
});

describe('the OpenAI-compatible embedding provider (createUpstream against mockUpstream)', () => {
  let upstream: MockUpstream;
  let database: MemoryDatabase;

  beforeAll(async () => {
    upstream = await mockUpstream();
    database = await openDatabase({ dimensions: DIMENSIONS });
  }, 60_000);
  afterEach(() => upstream.reset());
  afterAll(async () => {
    await upstream?.close();
    await database?.close();
  });

  it('sends model, input and dimensions with the bearer key, and searches with the vectors', async () => {
    upstream.route('POST', '/v1/embeddings', embeddingsReply);
    const embeddings = createOpenAIEmbedding({
      baseUrl: `${upstream.url}/v1`,
      apiKey: 'sk-test',
      model: 'tiny',
      dimensions: DIMENSIONS,
    });
    const memory = await memoryServerFor(database, { embeddings });
    const client = await clientOf(memory, 'acme', 'modern');
    const { memory: written } = await call<{ memory: { id: string } }>(client, 'remember', {
      content: 'Lighthouse keepers log the weather',
    });
    const found = await call<{ mode: string; hits: Array<{ id: string; matchedBy: string[] }> }>(
      client,
      'recall',
      { query: 'lighthous', mode: 'vector' },
    );
    expect(found.mode).toBe('vector');
    expect(found.hits[0]?.id).toBe(written.id);
    const first = upstream.requests[0];
    expect(first?.headers.authorization).toBe('Bearer sk-test');
    expect(JSON.parse(first?.body ?? '{}')).toEqual({
      model: 'tiny',
      input: ['Lighthouse keepers log the weather'],
      dimensions: DIMENSIONS,
    });
    await client.close();
    await memory.close();
  });

  it('degrades recall to full text, and says so, while the provider fails and its breaker is open', async () => {
    upstream.route('POST', '/v1/embeddings', { status: 503 });
    const embeddings = createOpenAIEmbedding({
      baseUrl: `${upstream.url}/v1`,
      dimensions: DIMENSIONS,
      upstream: { retry: false, breaker: { kind: 'consecutive', failures: 2, halfOpenAfterMs: 600_000 } },
    });
    const memory = await memoryServerFor(database, { embeddings, recallCacheTtlMs: 0 });
    const client = await clientOf(memory, 'acme', 'modern');
    // Writes go on while the provider is down: the memory is stored without a vector.
    const { memory: written } = await call<{ memory: { id: string } }>(client, 'remember', {
      content: 'Harbour pilots board ships at the breakwater',
    });
    const first = await call<{ mode: string; degraded?: string; hits: Array<{ id: string }> }>(
      client,
      'recall',
      { query: 'harbour pilots' },
    );
    expect(first.mode).toBe('fulltext');
    expect(first.degraded).toMatch(/embedding provider failed \(UPSTREAM_UNAVAILABLE\)/);
    expect(first.hits.map((hit) => hit.id)).toContain(written.id);
    expect(embeddings.upstream.breakerState).toBe('open');
    const sent = upstream.requests.length;
    const second = await call<{ mode: string; degraded?: string }>(client, 'recall', { query: 'breakwater' });
    expect(second).toMatchObject({ mode: 'fulltext', degraded: expect.stringMatching(/breaker open/) });
    expect(upstream.requests.length).toBe(sent); // the open breaker keeps calls off the provider
    const vectorOnly = await client.callTool('recall', { query: 'breakwater', mode: 'vector' });
    expect((vectorOnly.structuredContent as { error?: { code?: string } }).error?.code).toBe(
      'UPSTREAM_UNAVAILABLE',
    );
    const health = await memory.server.checkHealth();
    expect(health.checks.search).toMatchObject({
      healthy: true,
      details: { mode: 'fulltext', degraded: expect.stringMatching(/breaker open/) },
    });
    await client.close();
    await memory.close();
  });
});
