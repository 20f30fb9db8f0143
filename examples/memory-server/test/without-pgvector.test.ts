import { expectToolError, type TestClient } from '@mcpkit/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleItems } from '../src/sample-corpus.js';
import type { MemoryServer } from '../src/server.js';
import { type MemoryDatabase, openDatabase } from '../src/storage/open-database.js';
import { QUERIES } from './fixtures/search-queries.js';
import { type Backend, backends, createScratchDatabase } from './support/databases.js';
import { call, clientOf, memoryServerFor } from './support/harness.js';

// The path of a server without pgvector, on the real server and on PGlite alike: both have the
// extension installed, so the database is set up with PGVECTOR=off, which leaves the extension
// uncreated and the embedding column absent — the same schema a server lacking pgvector gets.

interface Recalled {
  mode: string;
  degraded?: string;
  hits: Array<{ id: string; matchedBy: string[] }>;
}

describe.each(backends)('without pgvector on $name', ({ create }) => {
  let backend: Backend;
  let database: MemoryDatabase;
  let memory: MemoryServer;

  beforeAll(async () => {
    backend = await create();
    database = await backend.open({ vector: 'off' });
    memory = await memoryServerFor(database);
  }, 60_000);
  afterAll(async () => {
    await memory?.close();
    await backend?.cleanup();
  });

  it('creates neither the extension nor the embedding column', async () => {
    const extension = await sql<{ n: number }>`
      select count(*)::int as n from pg_extension where extname = 'vector'`.execute(database.db);
    const column = await sql<{ n: number }>`
      select count(*)::int as n from information_schema.columns
      where table_name = 'memories' and column_name = 'embedding'`.execute(database.db);
    expect(extension.rows[0]?.n).toBe(0);
    expect(column.rows[0]?.n).toBe(0);
    expect(database.vector).toBe(false);
  });

  it('says so in readiness', async () => {
    const health = await memory.server.checkHealth();
    expect(health.checks.database).toMatchObject({
      healthy: true,
      details: { pgvector: false, noVector: expect.stringMatching(/PGVECTOR=off/) },
    });
    expect(health.checks.search).toMatchObject({
      healthy: true,
      details: { mode: 'fulltext', degraded: expect.stringMatching(/ranking by full text alone/) },
    });
  });

  describe.each(['modern', 'legacy'] as const)('%s era', (era) => {
    let client: TestClient;
    beforeAll(async () => {
      client = await clientOf(memory, 'acme', era);
    });
    afterAll(async () => client?.close());

    it('says so in the recall description, ranks by full text and refuses vector mode', async () => {
      const { tools } = await client.listTools();
      expect(tools.find((tool) => tool.name === 'recall')?.description).toMatch(
        /Vector search is unavailable here \(pgvector is turned off \(PGVECTOR=off\)\), so it ranks by full-text search alone/,
      );
      const written = await call<{ memory: { id: string } }>(client, 'remember', {
        content: `The ${era} lighthouse keeper logs every passing ship.`,
        tags: [`ships-${era}`],
      });
      const found = await call<Recalled>(client, 'recall', {
        query: 'lighthouse ships',
        tags: [`ships-${era}`],
      });
      expect(found.mode).toBe('fulltext');
      expect(found.degraded).toMatch(/PGVECTOR=off/);
      expect(found.hits).toEqual([
        expect.objectContaining({ id: written.memory.id, matchedBy: ['fulltext'] }),
      ]);
      expectToolError(
        await client.callTool('recall', { query: 'ships', mode: 'vector' }),
        'VALIDATION_FAILED',
      );
    });
  });

  it('ranks hybrid exactly as full text on the labelled set (recall@5)', async () => {
    const client = await clientOf(memory, 'globex', 'modern');
    try {
      const { ids } = await call<{ ids: Array<{ clientKey: string; id: string }> }>(
        client,
        'import_memories',
        { items: sampleItems() },
      );
      const idOf = new Map(ids.map((entry) => [entry.clientKey, entry.id]));
      const at5 = async (mode: 'fulltext' | 'hybrid') => {
        let total = 0;
        for (const { query, expected } of QUERIES) {
          const { hits } = await call<Recalled>(client, 'recall', { query, mode, limit: 5 });
          const found = new Set(hits.map((hit) => hit.id));
          total += expected.filter((key) => found.has(idOf.get(key) ?? '')).length / expected.length;
        }
        return total / QUERIES.length;
      };
      const fulltext = await at5('fulltext');
      const hybrid = await at5('hybrid');
      console.info(
        `search quality ${database.kind} without pgvector: recall@5 fulltext=${fulltext.toFixed(3)} hybrid=${hybrid.toFixed(3)}`,
      );
      expect(hybrid).toBe(fulltext);
    } finally {
      await client.close();
    }
  }, 60_000);
});

describe('a PostgreSQL database set up without pgvector, reopened with PGVECTOR=auto', () => {
  it('stays on full text and says why', async () => {
    const scratch = await createScratchDatabase();
    try {
      const first = await openDatabase({ url: scratch.url, vector: 'off' });
      await first.close();
      const again = await openDatabase({ url: scratch.url });
      try {
        expect(again.vector).toBe(false);
        expect(again.vectorUnavailable).toMatch(/set up without pgvector/);
      } finally {
        await again.close();
      }
    } finally {
      await scratch.drop();
    }
  });
});
