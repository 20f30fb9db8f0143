import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite/vector';
import { McpkitError } from '@mcpkit/core';
import { Kysely, PGliteDialect, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { runMigrations } from './migrations.js';
import type { MemorySchema } from './schema.js';

/** Options of {@link openDatabase}. */
export interface OpenDatabaseOptions {
  /** PostgreSQL connection string; absent → embedded PGlite. */
  url?: string;
  /** PGlite's data folder; absent → in memory. Ignored with `url`. */
  pgliteDataDir?: string;
  /** Pool size (PostgreSQL only; PGlite is one connection). Default: 10. */
  poolMax?: number;
  /** Deadline of each statement in ms, set per transaction. Default: 5 000. */
  statementTimeoutMs?: number;
  /** Longest wait for a free pooled connection, in ms (PostgreSQL only). Default: 5 000. */
  poolWaitMs?: number;
  /** Size of the `embedding` column. Default: 256. */
  dimensions?: number;
  /**
   * `auto`: use pgvector where the server offers it; `off`: never (full text alone), as if the
   * extension were missing. Decided when the schema is first migrated. Default: `auto`.
   */
  vector?: 'auto' | 'off';
}

/** Called with each notification payload on a channel. */
export type NotificationListener = (payload: string) => void;

/** An open database with the schema migrated: Kysely over `pg` or PGlite, and a change listener. */
export interface MemoryDatabase {
  /** `postgres` (a real server through `pg`) or `pglite` (embedded). */
  readonly kind: 'postgres' | 'pglite';
  /** The query builder; tenant work goes through `inTenant()`, never straight through this. */
  readonly db: Kysely<MemorySchema>;
  /** Whether the pgvector extension is installed and the `embedding` column exists (and `vector` is not `off`). */
  readonly vector: boolean;
  /** Why there is no vector search, when {@link MemoryDatabase.vector} is false. */
  readonly vectorUnavailable?: string;
  /** Whether the full-text and tag indexes can serve queries under RLS (their operators are LEAKPROOF). */
  readonly indexesUnderRls: boolean;
  /** Size of the `embedding` column (0 without pgvector). */
  readonly dimensions: number;
  /** The per-statement deadline applied in every transaction, in ms. */
  readonly statementTimeoutMs: number;
  /** Names of the migrations applied, oldest first. */
  readonly migrations: readonly string[];
  /** Follows `LISTEN channel` on a dedicated connection; resolves to the function that stops. */
  listen(channel: string, listener: NotificationListener): Promise<() => Promise<void>>;
  /** Resolves when `select 1` answers within `timeoutMs`; rejects otherwise. */
  ping(timeoutMs: number): Promise<void>;
  /** Pool counters (PostgreSQL only). */
  poolStats(): { total: number; idle: number; waiting: number } | undefined;
  /** Closes the pool (or PGlite) and every listener. */
  close(): Promise<void>;
}

/**
 * Opens PostgreSQL (`url`) or PGlite (no `url`, with its `vector` extension) and runs the
 * versioned migrations. Refuses, with a coded error, a database whose `embedding` column has
 * another size than `dimensions`.
 */
export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<MemoryDatabase> {
  const dimensions = options.dimensions ?? 256;
  const statementTimeoutMs = options.statementTimeoutMs ?? 5_000;
  const opened = options.url
    ? openPostgres(options.url, options.poolMax ?? 10, statementTimeoutMs, options.poolWaitMs ?? 5_000)
    : await openPglite(options.pgliteDataDir);
  try {
    const applied = await runMigrations(opened.db, { dimensions, vector: options.vector !== 'off' });
    const column = await sql<{ dims: number | null }>`
      select a.atttypmod as dims from pg_attribute a
      where a.attrelid = 'memories'::regclass and a.attname = 'embedding' and not a.attisdropped`.execute(
      opened.db,
    );
    const dims = column.rows[0]?.dims ?? null;
    if (dims !== null && dims !== dimensions) {
      throw new McpkitError(
        'VALIDATION_FAILED',
        `The embedding column holds ${dims} dimensions, not ${dimensions}.`,
        {
          hint: `Set EMBEDDING_DIMENSIONS=${dims}, or use another database for a provider of ${dimensions} dimensions.`,
        },
      );
    }
    const leakproof = await sql<{ n: number }>`
      select count(*)::int as n from pg_proc
      where proleakproof and oid in ('pg_catalog.ts_match_vq(tsvector, tsquery)'::regprocedure,
        'pg_catalog.arraycontains(anyarray, anyarray)'::regprocedure)`.execute(opened.db);
    const vectorUnavailable = await whyNoVector(opened.db, dims !== null, options.vector ?? 'auto');
    return {
      ...opened,
      vector: vectorUnavailable === undefined,
      ...(vectorUnavailable ? { vectorUnavailable } : {}),
      indexesUnderRls: leakproof.rows[0]?.n === 2,
      dimensions: dims ?? 0,
      statementTimeoutMs,
      migrations: applied,
      async ping(timeoutMs) {
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer to select 1 within ${timeoutMs} ms`)),
            timeoutMs,
          );
        });
        try {
          await Promise.race([sql`select 1`.execute(opened.db), deadline]);
        } finally {
          clearTimeout(timer);
        }
      },
    };
  } catch (error) {
    await opened.close().catch(() => undefined);
    throw error;
  }
}

/** Why vector search is off on this database, or undefined when it is on. */
async function whyNoVector(
  db: Kysely<MemorySchema>,
  column: boolean,
  setting: 'auto' | 'off',
): Promise<string | undefined> {
  if (setting === 'off') return 'pgvector is turned off (PGVECTOR=off)';
  if (column) return undefined;
  const available = await sql<{ ok: number }>`
    select 1 as ok from pg_available_extensions where name = 'vector'`.execute(db);
  return available.rows.length === 0
    ? 'the PostgreSQL server has no pgvector extension installed'
    : 'this database was set up without pgvector (PGVECTOR=off, or installed later): use a new database to get vector search';
}

type Opened = Pick<MemoryDatabase, 'kind' | 'db' | 'listen' | 'poolStats' | 'close'>;

function openPostgres(url: string, poolMax: number, statementTimeoutMs: number, poolWaitMs: number): Opened {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolMax,
    statement_timeout: statementTimeoutMs,
    connectionTimeoutMillis: poolWaitMs,
    idleTimeoutMillis: 30_000,
  });
  // An idle client's error (server restart) must not crash the process; the pool drops that client.
  pool.on('error', () => undefined);
  const listeners = new Set<pg.Client>();
  const db = new Kysely<MemorySchema>({ dialect: new PostgresDialect({ pool }) });
  return {
    kind: 'postgres',
    db,
    async listen(channel, listener) {
      // A dedicated connection: LISTEN holds it for good, so it must not come from the pool.
      // If it drops (server restart, network), it reconnects every second until stopped.
      let stopped = false;
      let current: pg.Client | undefined;
      let retry: NodeJS.Timeout | undefined;
      const connect = async (initial: boolean): Promise<void> => {
        const client = new pg.Client({ connectionString: url });
        const lost = () => {
          if (current !== client) return;
          current = undefined;
          listeners.delete(client);
          client.end().catch(() => undefined);
          if (!stopped) retry = setTimeout(() => void connect(false).catch(() => undefined), 1_000);
        };
        client.on('error', lost);
        client.on('end', lost);
        client.on('notification', (message) => {
          if (message.channel === channel && message.payload !== undefined) listener(message.payload);
        });
        current = client;
        listeners.add(client);
        try {
          await client.connect();
          await client.query(`listen ${quoteIdentifier(channel)}`);
        } catch (error) {
          // The first connection's failure goes to the caller; a reconnect's schedules the next try.
          if (initial) stopped = true;
          lost();
          if (initial) throw error;
        }
      };
      await connect(true);
      return async () => {
        stopped = true;
        clearTimeout(retry);
        const client = current;
        current = undefined;
        if (client) {
          listeners.delete(client);
          await client.end().catch(() => undefined);
        }
      };
    },
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    async close() {
      for (const client of listeners) await client.end().catch(() => undefined);
      listeners.clear();
      await db.destroy();
    },
  };
}

async function openPglite(dataDir: string | undefined): Promise<Opened> {
  const pglite = await PGlite.create({ ...(dataDir ? { dataDir } : {}), extensions: { vector } });
  const stops = new Set<() => Promise<void>>();
  const db = new Kysely<MemorySchema>({ dialect: new PGliteDialect({ pglite }) });
  return {
    kind: 'pglite',
    db,
    async listen(channel, listener) {
      const unlisten = await pglite.listen(channel, listener);
      const stop = async () => {
        stops.delete(stop);
        await unlisten();
      };
      stops.add(stop);
      return stop;
    },
    poolStats: () => undefined,
    async close() {
      for (const stop of [...stops]) await stop().catch(() => undefined);
      await db.destroy();
    },
  };
}

/** Double-quotes an SQL identifier. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
