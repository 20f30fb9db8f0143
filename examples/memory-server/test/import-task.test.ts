import type { BaseContext } from '@mcpkit/core';
import { connectTaskRequester, connectTestClient, serveForTest, type TestServer } from '@mcpkit/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddingProvider } from '../src/embeddings/embedding-provider.js';
import { createHashingEmbedding } from '../src/embeddings/hashing-embedding.js';
import type { MemoryServer } from '../src/server.js';
import { inTenant } from '../src/storage/in-tenant.js';
import type { MemoryDatabase } from '../src/storage/open-database.js';
import { IMPORT_BATCH } from '../src/tools/import-tool.js';
import { type Backend, backends } from './support/databases.js';
import { call, memoryServerFor } from './support/harness.js';

/**
 * The hashing embedding, with a gate: while `holdAtCall` is set, that embed call (1-based) waits
 * until its caller's signal aborts, then rejects with the abort's reason.
 */
function deferred() {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

function gatedEmbedding() {
  const inner = createHashingEmbedding({ dimensions: 256 });
  const gate = {
    holdAtCall: 0,
    calls: 0,
    aborted: 0,
    held: deferred(),
  };
  const provider: EmbeddingProvider = {
    name: inner.name,
    dimensions: inner.dimensions,
    async embed(texts: readonly string[], ctx?: BaseContext) {
      gate.calls++;
      if (gate.holdAtCall !== 0 && gate.calls === gate.holdAtCall && ctx) {
        gate.held.resolve();
        await new Promise((_, reject) => {
          ctx.signal.addEventListener('abort', () => {
            gate.aborted++;
            reject(ctx.signal.reason);
          });
        });
      }
      return inner.embed(texts);
    },
  };
  const hold = (call: number) => {
    gate.calls = 0;
    gate.holdAtCall = call;
    gate.held = deferred();
  };
  return { provider, gate, hold, release: () => hold(0) };
}

const items = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => ({
    content: `${prefix} imported fact ${i} about harbour cranes`,
    clientKey: `${prefix}-${i}`,
    tags: [prefix],
  }));

describe.each(backends)('import_memories as a task on $name', ({ create }) => {
  let backend: Backend;
  let database: MemoryDatabase;
  let memory: MemoryServer;
  let served: TestServer;
  const embedding = gatedEmbedding();
  const headers = { 'x-api-key': 'key-acme' };

  const stored = async (tag: string) => {
    const rows = await inTenant(database, 'acme', (trx) =>
      sql<{ n: number }>`select count(*)::int as n from memories where ${tag} = any(tags)`.execute(trx),
    );
    return rows.rows[0]?.n ?? 0;
  };

  beforeAll(async () => {
    backend = await create();
    database = await backend.open();
    // The gate sits in the embedding provider, which an import calls only with vector search on:
    // without pgvector the cancel test would wait for a gate that never closes.
    if (!database.vector)
      throw new Error(`import_memories' task tests need pgvector: ${database.vectorUnavailable}`);
    memory = await memoryServerFor(database, {
      embeddings: embedding.provider,
      tasks: { pollIntervalMs: 20 },
    });
    // Legacy sessions keep the capabilities declared at initialize (the extension among them).
    served = await serveForTest(memory.server, { sessions: true });
  }, 60_000);
  afterAll(async () => {
    await served?.close();
    await memory?.close();
    await backend?.cleanup();
  });

  describe.each(['modern', 'legacy'] as const)('%s era', (era) => {
    it('runs as a task for a client that supports tasks, with progress per batch, idempotent on clientKey', async () => {
      const requester = await connectTaskRequester(era, served.url, { headers, clientName: 'memory-test' });
      try {
        const batch = items(`task-${era}`, 2 * IMPORT_BATCH + 50);
        const first = await (await requester.start('import_memories', { items: batch })).settled;
        expect(first.status).toBe('completed');
        expect(first.result?.isError).toBeFalsy();
        expect(first.result?.structuredContent).toMatchObject({ imported: 250, skipped: 0 });
        for (const message of first.statusMessages) expect(message).toMatch(/^stored (100|200|250) of 250$/);
        const again = await (await requester.start('import_memories', { items: batch })).settled;
        expect(again.result?.structuredContent).toMatchObject({ imported: 0, skipped: 250 });
        expect(await stored(`task-${era}`)).toBe(250);
      } finally {
        await requester.close();
      }
    });

    it('stops at a cancel before the next batch, keeping the committed ones; sending it again finishes', async () => {
      const requester = await connectTaskRequester(era, served.url, { headers, clientName: 'memory-test' });
      const tag = `cancel-${era}`;
      const batch = items(tag, 2 * IMPORT_BATCH + 50);
      try {
        const abortedBefore = embedding.gate.aborted;
        embedding.hold(2); // the second batch's embedding waits for the cancel
        const { taskId, settled } = await requester.start('import_memories', { items: batch });
        await embedding.gate.held.promise;
        // The first batch is committed, and reported, before the second is embedded.
        expect(await stored(tag)).toBe(IMPORT_BATCH);
        expect(await requester.statusMessage(taskId)).toBe(`stored ${IMPORT_BATCH} of 250`);
        await requester.cancel(taskId);
        expect((await settled).status).toBe('cancelled');
        expect(embedding.gate.aborted).toBe(abortedBefore + 1);
        expect(await stored(tag)).toBe(IMPORT_BATCH);
      } finally {
        embedding.release();
        await requester.close();
      }
      // A client without tasks sends the same items as a plain call: the rest is imported.
      const plain = await connectTestClient(served.url, { era, headers });
      try {
        const finished = await call<{ imported: number; skipped: number }>(plain, 'import_memories', {
          items: batch,
        });
        expect(finished).toMatchObject({ imported: 150, skipped: IMPORT_BATCH });
        expect(await stored(tag)).toBe(250);
      } finally {
        await plain.close();
      }
    });

    it('answers a client without tasks with the result itself', async () => {
      const plain = await connectTestClient(served.url, { era, headers });
      try {
        const result = await plain.callTool('import_memories', { items: items(`plain-${era}`, 120) });
        expect(result.isError).toBeFalsy();
        expect(result.structuredContent).toMatchObject({ imported: 120, skipped: 0 });
        expect(JSON.stringify(result)).not.toContain('taskId');
      } finally {
        await plain.close();
      }
    });
  });
});
