import type { AuditRecord } from '@mcpkit/middleware';
import { expectToolError, type TestClient } from '@mcpkit/testing';
import { describeEachClient, mcpkitMatchers } from '@mcpkit/testing/vitest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MemoryServer } from '../src/server.js';
import type { MemoryDatabase } from '../src/storage/open-database.js';
import { type Backend, backends } from './support/databases.js';
import { call, memoryServerFor } from './support/harness.js';

expect.extend(mcpkitMatchers);

interface Remembered {
  memory: { id: string; content: string; tags: string[]; importance: number; clientKey: string | null };
  created: boolean;
}
interface Recalled {
  tenant: string;
  mode: string;
  degraded?: string;
  hits: Array<{ id: string; snippet: string; tags: string[]; matchedBy: string[] }>;
  nextCursor?: string;
}

const ACME = { 'x-api-key': 'key-acme' };

describe.each(backends)('memory tools on $name', ({ name, create }) => {
  let backend: Backend;
  let database: MemoryDatabase;
  let memory: MemoryServer;
  const audited: AuditRecord[] = [];

  beforeAll(async () => {
    backend = await create();
    database = await backend.open();
    memory = await memoryServerFor(database, { audit: { sink: (batch) => void audited.push(...batch) } });
  }, 60_000);
  afterAll(async () => {
    await memory?.close();
    await backend?.cleanup();
  });

  describeEachClient(
    'memory tools',
    {
      server: () => memory.server,
      // Legacy sessions carry the confirmation `forget` elicits over HTTP.
      serve: { sessions: true },
      client: { headers: ACME, elicitation: () => ({ action: 'accept', content: { confirm: true } }) },
    },
    (run) => {
      // The runs share the backend's database: tags and keys carry the run's era and transport.
      const era = `${run.era}-${run.transport}`;
      let client: TestClient;
      beforeAll(() => {
        client = run.client;
      });

      it('lists every tool, with a recall description that says how it ranks', async () => {
        const { tools } = await client.listTools();
        expect(tools.map((tool) => tool.name).sort()).toEqual([
          'forget',
          'import_memories',
          'link_memories',
          'list_tags',
          'recall',
          'remember',
          'update_memory',
        ]);
        const recall = tools.find((tool) => tool.name === 'recall');
        if (database.vector) expect(recall?.description).toMatch(/fused with vector similarity/);
        else
          expect(recall?.description).toMatch(
            /Vector search is unavailable here .*ranks by full-text search alone/,
          );
      });

      it('remembers, recalls with a highlighted snippet, updates and recalls the change', async () => {
        const tag = `billing-${era}`;
        const first = await call<Remembered>(client, 'remember', {
          content: 'The billing service migrates invoices to PostgreSQL in March.',
          tags: [tag, 'decision'],
          source: 'architecture review',
          importance: 0.9,
        });
        expect(first.created).toBe(true);
        expect(first.memory).toMatchObject({ tags: [tag, 'decision'], importance: 0.9 });
        const found = await call<Recalled>(client, 'recall', { query: 'invoice migration', tags: [tag] });
        expect(found.tenant).toBe('acme');
        expect(found.mode).toBe(database.vector ? 'hybrid' : 'fulltext');
        expect(found.hits.map((hit) => hit.id)).toEqual([first.memory.id]);
        expect(found.hits[0]?.snippet).toContain('**invoices**');
        expect(found.hits[0]?.matchedBy).toContain('fulltext');
        await call(client, 'update_memory', {
          id: first.memory.id,
          content: 'The billing service moves receipts to PostgreSQL in April.',
        });
        // The cached recall of the same query was voided by the write.
        const after = await call<Recalled>(client, 'recall', {
          query: 'receipts',
          tags: [tag],
          mode: 'fulltext',
        });
        expect(after.hits.map((hit) => hit.id)).toEqual([first.memory.id]);
        const stale = await call<Recalled>(client, 'recall', {
          query: 'invoice migration',
          tags: [tag],
          mode: 'fulltext',
        });
        expect(stale.hits).toEqual([]);
      });

      it('pages through results with nextCursor and refuses a cursor from another query', async () => {
        const tag = `paging-${era}`;
        for (let i = 0; i < 7; i++) {
          await call(client, 'remember', { content: `Paging note number ${i} about kettles`, tags: [tag] });
        }
        const seen: string[] = [];
        let cursor: string | undefined;
        do {
          const page: Recalled = await call<Recalled>(client, 'recall', {
            query: 'kettles',
            tags: [tag],
            limit: 3,
            ...(cursor ? { cursor } : {}),
          });
          seen.push(...page.hits.map((hit) => hit.id));
          cursor = page.nextCursor;
        } while (cursor);
        expect(seen).toHaveLength(7);
        expect(new Set(seen).size).toBe(7);
        const firstPage = await call<Recalled>(client, 'recall', { query: 'kettles', tags: [tag], limit: 3 });
        const refused = await client.callTool('recall', {
          query: 'something else',
          tags: [tag],
          limit: 3,
          cursor: firstPage.nextCursor,
        });
        expect(refused).toBeToolError('VALIDATION_FAILED');
        expect(refused.structuredContent).toMatchObject({ error: { details: { reason: 'foreign' } } });
        // A cursor whose payload was edited (say, to jump to another offset) fails its signature.
        const [body, signature] = (firstPage.nextCursor ?? '').split('.');
        const edited = Buffer.from(
          Buffer.from(body ?? '', 'base64url')
            .toString('utf8')
            .replace(/"o":\d+/, '"o":6'),
        ).toString('base64url');
        expect(edited).not.toBe(body);
        const tampered = await client.callTool('recall', {
          query: 'kettles',
          tags: [tag],
          limit: 3,
          cursor: `${edited}.${signature}`,
        });
        expect(tampered).toBeToolError('VALIDATION_FAILED');
        expect(tampered.structuredContent).toMatchObject({ error: { details: { reason: 'bad_signature' } } });
      });

      it('imports a batch idempotently on clientKey', async () => {
        const items = Array.from({ length: 12 }, (_, i) => ({
          content: `Imported fact ${i} on lighthouses`,
          clientKey: `${era}-import-${i}`,
          tags: [`import-${era}`],
        }));
        const first = await call<{ imported: number; skipped: number; ids: Array<{ id: string }> }>(
          client,
          'import_memories',
          { items },
        );
        expect(first).toMatchObject({ imported: 12, skipped: 0 });
        const again = await call<{ imported: number; skipped: number; ids: Array<{ id: string }> }>(
          client,
          'import_memories',
          { items },
        );
        expect(again).toMatchObject({ imported: 0, skipped: 12 });
        expect(again.ids.map((entry) => entry.id)).toEqual(first.ids.map((entry) => entry.id));
        const duplicate = await client.callTool('import_memories', { items: [items[0], items[0]] });
        expect(duplicate).toBeToolError('VALIDATION_FAILED');
      });

      it("links memories, lists tags, and refuses a link to an id that is not the tenant's", async () => {
        const a = await call<Remembered>(client, 'remember', {
          content: 'Tea is served at four.',
          tags: [`tea-${era}`],
        });
        const b = await call<Remembered>(client, 'remember', {
          content: 'Tea is served at five.',
          tags: [`tea-${era}`],
        });
        expect(
          await call(client, 'link_memories', {
            from: a.memory.id,
            to: b.memory.id,
            relation: 'contradicts',
          }),
        ).toEqual({ created: true });
        expect(
          await call(client, 'link_memories', {
            from: a.memory.id,
            to: b.memory.id,
            relation: 'contradicts',
          }),
        ).toEqual({ created: false });
        const tags = await call<{ tags: Array<{ tag: string; count: number }> }>(client, 'list_tags', {
          prefix: `tea-${era}`,
        });
        expect(tags.tags).toEqual([{ tag: `tea-${era}`, count: 2, uri: `memory://tags/tea-${era}` }]);
        const other = await run.connect({ headers: { 'x-api-key': 'key-globex' } });
        const foreign = await call<Remembered>(other, 'remember', { content: 'Globex keeps its own notes.' });
        expectToolError(
          await client.callTool('link_memories', { from: a.memory.id, to: foreign.memory.id }),
          'NOT_FOUND',
        );
        await other.close();
      });

      it('forgets only after the user confirms, and not when they decline', async () => {
        const kept = await call<Remembered>(client, 'remember', { content: 'Do not forget the umbrella.' });
        const declining = await run.connect({ headers: ACME, elicitation: () => ({ action: 'decline' }) });
        expect(await declining.callTool('forget', { id: kept.memory.id })).toBeToolError('FORBIDDEN');
        await declining.close();
        const forgotten = await call<{ forgotten: { id: string } }>(client, 'forget', { id: kept.memory.id });
        expect(forgotten.forgotten.id).toBe(kept.memory.id);
        expectToolError(
          await client.callTool('update_memory', { id: kept.memory.id, importance: 1 }),
          'NOT_FOUND',
        );
        // The delete is in the audit trail, with the verified caller and the id it removed.
        await vi.waitFor(() =>
          expect(audited).toContainEqual(
            expect.objectContaining({
              tool: 'forget',
              outcome: 'ok',
              caller: 'user-acme',
              args: { id: kept.memory.id },
            }),
          ),
        );
      });

      it('answers bad input with coded errors', async () => {
        expect(await client.callTool('remember', { content: '' })).toBeToolError('VALIDATION_FAILED');
        expectToolError(
          await client.callTool('remember', { content: 'x', tags: ['Bad Tag!'] }),
          'VALIDATION_FAILED',
        );
        expectToolError(
          await client.callTool('update_memory', { id: '00000000-0000-4000-8000-000000000000' }),
          'VALIDATION_FAILED',
        );
        expectToolError(
          await client.callTool('recall', { query: 'x', cursor: 'garbage' }),
          'VALIDATION_FAILED',
        );
        if (!database.vector)
          expect(await client.callTool('recall', { query: 'x', mode: 'vector' })).toBeToolError(
            'VALIDATION_FAILED',
          );
      });
    },
  );

  it(`refuses callers without a key (${name})`, async () => {
    const anonymous = await import('@mcpkit/testing').then(({ createTestClient }) =>
      createTestClient(memory.server),
    );
    expect(await anonymous.callTool('recall', { query: 'anything' })).toBeToolError('UNAUTHORIZED');
    await anonymous.close();
  });
});
