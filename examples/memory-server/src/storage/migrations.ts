import { McpkitError } from '@mcpkit/core';
import { type Kysely, sql } from 'kysely';
import { type Migration, Migrator } from 'kysely/migration';
import { CHANGE_CHANNEL, TENANT_ROLE } from './schema.js';

/** Options of {@link memoryMigrations}. */
export interface MemoryMigrationOptions {
  /** Size of the `embedding` column created when pgvector is available. */
  dimensions: number;
  /** Whether to set up pgvector when the server offers it (false: full text alone). Default: true. */
  vector?: boolean;
}

/**
 * The versioned schema, oldest first. Names sort in order of application; a released migration
 * is never edited, only followed by a new one.
 */
export function memoryMigrations(options: MemoryMigrationOptions): Record<string, Migration> {
  return {
    '0001_memories': {
      async up(db) {
        // array_to_string() is only STABLE (array output may depend on settings); for text[] it is
        // not, and a generated column needs an IMMUTABLE expression.
        await sql`
          create function mcpkit_memory_tags_text(tags text[]) returns text
          language sql immutable parallel safe as $$ select array_to_string(tags, ' ') $$`.execute(db);
        await sql`
          create table memories (
            tenant_id text not null default current_setting('app.tenant_id'),
            id uuid primary key default gen_random_uuid(),
            client_key text,
            content text not null check (length(content) between 1 and 20000),
            source text,
            importance real not null default 0.5 check (importance between 0 and 1),
            tags text[] not null default '{}',
            language regconfig not null default 'english',
            created_at timestamptz not null default now(),
            updated_at timestamptz not null default now(),
            search tsvector generated always as (
              setweight(to_tsvector(language, mcpkit_memory_tags_text(tags)), 'A') ||
              setweight(to_tsvector(language, content), 'B')
            ) stored,
            unique (tenant_id, client_key)
          )`.execute(db);
        await sql`create index memories_tenant_created on memories (tenant_id, created_at desc)`.execute(db);
        await sql`create index memories_tags on memories using gin (tags)`.execute(db);
        await sql`
          create table memory_links (
            tenant_id text not null default current_setting('app.tenant_id'),
            from_id uuid not null references memories (id) on delete cascade,
            to_id uuid not null references memories (id) on delete cascade,
            relation text not null,
            created_at timestamptz not null default now(),
            primary key (from_id, to_id, relation)
          )`.execute(db);
        await sql`create index memory_links_to on memory_links (to_id)`.execute(db);
      },
    },
    '0002_search_index': {
      async up(db) {
        await sql`create index memories_search on memories using gin (search)`.execute(db);
      },
    },
    '0003_tenant_isolation': {
      async up(db) {
        // Roles are cluster-wide: another database (or a concurrent start) may have made it already.
        await sql
          .raw(`
          do $$ begin
            create role ${TENANT_ROLE} nologin nosuperuser nobypassrls;
          exception when duplicate_object or unique_violation then null;
          end $$`)
          .execute(db);
        await sql
          .raw(`
          do $$ begin
            if not pg_has_role(current_user, '${TENANT_ROLE}', 'member') then
              execute format('grant ${TENANT_ROLE} to %I', current_user);
            end if;
          end $$`)
          .execute(db);
        await sql.raw(`grant usage on schema public to ${TENANT_ROLE}`).execute(db);
        await sql
          .raw(`grant select, insert, update, delete on memories, memory_links to ${TENANT_ROLE}`)
          .execute(db);
        for (const table of ['memories', 'memory_links']) {
          await sql.raw(`alter table ${table} enable row level security`).execute(db);
          // FORCE: the owner is subject to the policy too (superusers still bypass: hence the role).
          await sql.raw(`alter table ${table} force row level security`).execute(db);
          await sql
            .raw(`
            create policy ${table}_tenant on ${table}
              using (tenant_id = current_setting('app.tenant_id', true))
              with check (tenant_id = current_setting('app.tenant_id', true))`)
            .execute(db);
        }
      },
    },
    '0004_change_feed': {
      async up(db) {
        // One NOTIFY per changed memory, sent at commit: every instance hears every change.
        await sql
          .raw(`
          create function mcpkit_memory_notify() returns trigger language plpgsql as $$
          declare
            changed_tags text[];
          begin
            if tg_table_name = 'memory_links' then
              perform pg_notify('${CHANGE_CHANNEL}', json_build_object(
                'tenant', coalesce(new.tenant_id, old.tenant_id), 'op', 'link',
                'ids', json_build_array(coalesce(new.from_id, old.from_id), coalesce(new.to_id, old.to_id)),
                'tags', '[]'::json)::text);
              return null;
            end if;
            changed_tags := coalesce(new.tags, '{}') || coalesce(old.tags, '{}');
            perform pg_notify('${CHANGE_CHANNEL}', json_build_object(
              'tenant', coalesce(new.tenant_id, old.tenant_id), 'op', lower(tg_op),
              'ids', json_build_array(coalesce(new.id, old.id)),
              'tags', to_json(array(select distinct unnest(changed_tags))))::text);
            return null;
          end $$`)
          .execute(db);
        await sql
          .raw(`create trigger memories_notify after insert or update or delete on memories
                for each row execute function mcpkit_memory_notify()`)
          .execute(db);
        await sql
          .raw(`create trigger memory_links_notify after insert or delete on memory_links
                for each row execute function mcpkit_memory_notify()`)
          .execute(db);
      },
    },
    '0005_vector': {
      async up(db) {
        const available = await sql<{ ok: number }>`
          select 1 as ok from pg_available_extensions where name = 'vector'`.execute(db);
        // Without pgvector (or with it turned off) the server ranks by full text alone and says so
        // (readiness, tool text).
        if (available.rows.length === 0 || options.vector === false) return;
        await sql`create extension if not exists vector`.execute(db);
        await sql.raw(`alter table memories add column embedding vector(${options.dimensions})`).execute(db);
        await sql`create index memories_embedding on memories using hnsw (embedding vector_cosine_ops)`.execute(
          db,
        );
      },
    },
    '0006_index_use_under_rls': {
      async up(db) {
        // Under row-level security PostgreSQL evaluates the policy before any qual whose function
        // is not LEAKPROOF, so such a qual cannot be an index condition: `search @@ query` and
        // `tags @> …` became sequential scans (135 ms instead of 0.2 ms on 100 000 rows). Both
        // functions reveal nothing about their arguments but the boolean; a superuser marks them
        // so. Without superuser rights this is skipped, and readiness says the indexes are unused.
        const su = await sql<{
          su: boolean;
        }>`select rolsuper as su from pg_roles where rolname = current_user`.execute(db);
        if (su.rows[0]?.su !== true) return;
        await sql`alter function pg_catalog.ts_match_vq(tsvector, tsquery) leakproof`.execute(db);
        await sql`alter function pg_catalog.arraycontains(anyarray, anyarray) leakproof`.execute(db);
      },
    },
  };
}

/** Applies every pending migration (under the migrator's lock); resolves to the names applied so far. */
export async function runMigrations<DB>(db: Kysely<DB>, options: MemoryMigrationOptions): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => memoryMigrations(options) },
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName ?? 'unknown';
    throw new McpkitError('INTERNAL', `Migration ${failed} failed: ${(error as Error).message}`, {
      hint: 'Check the database user may create tables, roles and policies; then restart.',
      cause: error,
    });
  }
  const all = await migrator.getMigrations();
  return all.filter((migration) => migration.executedAt !== undefined).map((migration) => migration.name);
}
