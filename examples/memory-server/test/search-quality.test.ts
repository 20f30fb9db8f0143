import type { TestClient } from '@mcpkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleItems } from '../src/sample-corpus.js';
import type { MemoryServer } from '../src/server.js';
import type { MemoryDatabase } from '../src/storage/open-database.js';
import { QUERIES } from './fixtures/search-queries.js';
import { type Backend, backends } from './support/databases.js';
import { call, clientOf, memoryServerFor } from './support/harness.js';

type Mode = 'fulltext' | 'vector' | 'hybrid';

/** Mean over the queries of the share of expected entries found in the first five hits. */
async function recallAt5(client: TestClient, mode: Mode, idOf: Map<string, string>): Promise<number> {
  let total = 0;
  for (const { query, expected } of QUERIES) {
    const { hits } = await call<{ hits: Array<{ id: string }> }>(client, 'recall', { query, mode, limit: 5 });
    const found = new Set(hits.map((hit) => hit.id));
    total += expected.filter((key) => found.has(idOf.get(key) ?? '')).length / expected.length;
  }
  return total / QUERIES.length;
}

describe.each(backends)('search quality on $name', ({ name, create }) => {
  let backend: Backend;
  let database: MemoryDatabase;
  let memory: MemoryServer;
  let client: TestClient;
  const idOf = new Map<string, string>();

  beforeAll(async () => {
    backend = await create();
    database = await backend.open();
    memory = await memoryServerFor(database);
    client = await clientOf(memory, 'acme', 'modern');
    const items = sampleItems();
    const { ids } = await call<{ ids: Array<{ clientKey: string; id: string }> }>(client, 'import_memories', {
      items,
    });
    for (const entry of ids) idOf.set(entry.clientKey, entry.id);
  }, 60_000);
  afterAll(async () => {
    await client?.close();
    await memory?.close();
    await backend?.cleanup();
  });

  it('has a labelled set of at least 200 entries and 30 queries', () => {
    expect(idOf.size).toBeGreaterThanOrEqual(200);
    expect(QUERIES.length).toBeGreaterThanOrEqual(30);
    for (const { expected } of QUERIES) for (const key of expected) expect(idOf.has(key)).toBe(true);
  });

  it('ranks hybrid at least as well as full text and vectors alone (recall@5)', async () => {
    const fulltext = await recallAt5(client, 'fulltext', idOf);
    if (!database.vector) {
      // No pgvector on this server: hybrid is full text, and says so.
      const hybrid = await recallAt5(client, 'hybrid', idOf);
      expect(hybrid).toBe(fulltext);
      console.info(
        `search quality ${name} (no pgvector): recall@5 fulltext=${fulltext.toFixed(3)} hybrid=${hybrid.toFixed(3)}`,
      );
      return;
    }
    const vector = await recallAt5(client, 'vector', idOf);
    const hybrid = await recallAt5(client, 'hybrid', idOf);
    console.info(
      `search quality ${name}: recall@5 over ${QUERIES.length} queries, ${idOf.size} entries: fulltext=${fulltext.toFixed(3)} vector=${vector.toFixed(3)} hybrid=${hybrid.toFixed(3)}`,
    );
    expect(hybrid).toBeGreaterThanOrEqual(fulltext);
    expect(hybrid).toBeGreaterThanOrEqual(vector);
  });
});
