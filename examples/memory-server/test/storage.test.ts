import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { inTenant } from '../src/storage/in-tenant.js';
import type { MemoryDatabase } from '../src/storage/open-database.js';
import { openDatabase } from '../src/storage/open-database.js';
import { TENANT_ROLE } from '../src/storage/schema.js';
import { type Backend, backends, createScratchDatabase, type ScratchDatabase } from './support/databases.js';

describe.each(backends)('storage on $name', ({ name, create }) => {
  let backend: Backend;
  let database: MemoryDatabase;

  beforeAll(async () => {
    backend = await create();
    database = await backend.open();
  }, 60_000);
  afterAll(async () => backend?.cleanup());

  it('applies every migration in order, and vector search where pgvector exists', async () => {
    expect(database.migrations).toEqual([
      '0001_memories',
      '0002_search_index',
      '0003_tenant_isolation',
      '0004_change_feed',
      '0005_vector',
      '0006_index_use_under_rls',
    ]);
    const available = await sql<{ n: number }>`
      select count(*)::int as n from pg_available_extensions where name = 'vector'`.execute(database.db);
    expect(database.vector).toBe(available.rows[0]?.n === 1);
    // PGlite ships the extension; CI installs it on the real server (.ci/ensure-pgvector.sh).
    if (name === 'pglite' || process.env.CI) expect(database.vector).toBe(true);
  });

  it('runs tenant work as a role without superuser or BYPASSRLS, with the tenant set', async () => {
    const seen = await inTenant(database, 'tenant-a', async (trx) => {
      const row = await sql<{ who: string; tenant: string; su: boolean; bypass: boolean }>`
        select current_user as who, current_setting('app.tenant_id') as tenant,
          r.rolsuper as su, r.rolbypassrls as bypass
        from pg_roles r where r.rolname = current_user`.execute(trx);
      return row.rows[0];
    });
    expect(seen).toEqual({ who: TENANT_ROLE, tenant: 'tenant-a', su: false, bypass: false });
  });

  it('keeps a query that forgets its WHERE inside the tenant, for reads, updates and deletes', async () => {
    await inTenant(database, 'alpha', (trx) =>
      trx
        .insertInto('memories')
        .values({
          content: 'alpha secret plan',
          tags: ['plan'],
          importance: 0.5,
          language: 'english',
          client_key: null,
          source: null,
        })
        .execute(),
    );
    await inTenant(database, 'beta', (trx) =>
      trx
        .insertInto('memories')
        .values({
          content: 'beta notes',
          tags: [],
          importance: 0.5,
          language: 'english',
          client_key: null,
          source: null,
        })
        .execute(),
    );
    const asBeta = await inTenant(database, 'beta', async (trx) => {
      const read = await sql<{
        content: string;
        tenant_id: string;
      }>`select content, tenant_id from memories`.execute(trx);
      const updated = await sql`update memories set content = 'overwritten'`.execute(trx);
      return { rows: read.rows, updated: Number(updated.numAffectedRows ?? 0n) };
    });
    expect(asBeta.rows).toEqual([{ content: 'beta notes', tenant_id: 'beta' }]);
    expect(asBeta.updated).toBe(1);
    // Writing a row for another tenant is refused by the policy's WITH CHECK.
    await expect(
      inTenant(database, 'beta', (trx) =>
        sql`insert into memories (tenant_id, content) values ('alpha', 'planted')`.execute(trx),
      ),
    ).rejects.toThrow(/row-level security/);
    const deleted = await inTenant(database, 'beta', (trx) => sql`delete from memories`.execute(trx));
    expect(Number(deleted.numAffectedRows ?? 0n)).toBe(1);
    const alpha = await inTenant(database, 'alpha', (trx) =>
      sql<{ content: string }>`select content from memories`.execute(trx),
    );
    expect(alpha.rows).toEqual([{ content: 'alpha secret plan' }]);
    // Outside a tenant transaction (the migrating owner, a superuser here) both rows exist: RLS is what hides them.
    const all = await sql<{ n: number }>`select count(*)::int as n from memories`.execute(database.db);
    expect(all.rows[0]?.n).toBe(1);
  });

  it('keeps listening after the LISTEN connection is killed', async () => {
    const heard: string[] = [];
    const stop = await database.listen('probe_channel', (payload) => heard.push(payload));
    await sql`select pg_notify('probe_channel', 'one')`.execute(database.db);
    await vi.waitFor(() => expect(heard).toEqual(['one']));
    if (name === 'postgres') {
      const killed = await sql<{ n: number }>`
        select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
        where datname = current_database() and query ilike 'listen%'`.execute(database.db);
      expect(killed.rows[0]?.n).toBe(1);
      // Reconnects within about a second; notify until the new connection hears one.
      await vi.waitFor(
        async () => {
          await sql`select pg_notify('probe_channel', 'two')`.execute(database.db);
          expect(heard).toContain('two');
        },
        { timeout: 8_000, interval: 250 },
      );
    }
    await stop();
  });

  it('answers full-text and tag filters from their GIN indexes under RLS', async () => {
    expect(database.indexesUnderRls).toBe(true);
    // Enough rows that a selective condition is worth an index; a tenant of their own.
    await inTenant(database, 'gamma', (trx) =>
      sql`insert into memories (content, tags) select 'entry w' || g, array['t' || g] from generate_series(1, 3000) g`.execute(
        trx,
      ),
    );
    await sql`analyze memories`.execute(database.db);
    const plan = await inTenant(database, 'gamma', async (trx) => {
      const text = await sql<{ 'QUERY PLAN': string }>`
        explain select id from memories m where m.search @@ to_tsquery('english', 'w17')`.execute(trx);
      const tags = await sql<{ 'QUERY PLAN': string }>`
        explain select id from memories m where m.tags @> array['t17']`.execute(trx);
      return [...text.rows, ...tags.rows].map((row) => row['QUERY PLAN']).join('\n');
    });
    expect(plan).toContain('Index Scan on memories_search');
    expect(plan).toContain('Index Scan on memories_tags');
  });

  it('refuses a tenant id that is not a plain identifier', async () => {
    await expect(inTenant(database, "x'; drop table memories; --", async () => 1)).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
  });
});

// PGlite runs in one thread and has no timer to cancel a statement with: this is PostgreSQL's.
describe('statement timeout on postgres', () => {
  let scratch: ScratchDatabase;
  let database: MemoryDatabase;
  beforeAll(async () => {
    scratch = await createScratchDatabase();
    database = await openDatabase({ url: scratch.url, poolMax: 2, statementTimeoutMs: 200 });
  }, 60_000);
  afterAll(async () => {
    await database?.close();
    await scratch?.drop();
  });

  it('cancels a statement past the configured timeout and keeps the pool usable', async () => {
    const cancelled = inTenant(database, 'alpha', (trx) => sql`select pg_sleep(2)`.execute(trx));
    await expect(cancelled).rejects.toThrow(/statement timeout/);
    await expect(cancelled).rejects.toMatchObject({ code: 'UPSTREAM_TIMEOUT', retryable: true });
    const after = await inTenant(database, 'alpha', (trx) => sql<{ n: number }>`select 1 as n`.execute(trx));
    expect(after.rows).toEqual([{ n: 1 }]);
    expect(database.poolStats()).toMatchObject({ waiting: 0 });
  });

  it('answers a call that finds every connection busy with a retryable UPSTREAM_TIMEOUT', async () => {
    const busy = await openDatabase({ url: scratch.url, poolMax: 1, poolWaitMs: 100 });
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered: () => void = () => {};
    const holding = new Promise<void>((resolve) => {
      entered = resolve;
    });
    try {
      const first = inTenant(busy, 'alpha', async () => {
        entered();
        await held;
      });
      await holding;
      await expect(inTenant(busy, 'alpha', (trx) => sql`select 1`.execute(trx))).rejects.toMatchObject({
        code: 'UPSTREAM_TIMEOUT',
        retryable: true,
      });
      release();
      await first;
      expect(busy.poolStats()).toMatchObject({ total: 1, idle: 1, waiting: 0 });
    } finally {
      release();
      await busy.close();
    }
  });
});
