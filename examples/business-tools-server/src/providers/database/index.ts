import { McpkitError } from '@mcpkit/core';
import { concurrency, timeout } from '@mcpkit/middleware';
import pg from 'pg';
import * as z from 'zod';
import { defineProvider } from '../../provider.js';
import { columnAllowed } from './allow-list.js';
import { databaseConfig } from './config.js';
import { readOnlyQuery } from './read-only-query.js';
import { type Catalog, checkQuery } from './sql-guard.js';

const param = z.union([z.string().max(10_000), z.number(), z.boolean(), z.null()]);
const resultShape = {
  columns: z.array(z.object({ name: z.string(), type: z.string() })),
  rows: z.array(z.array(z.unknown())),
  rowCount: z.number(),
  truncated: z.boolean(),
};

/** Read-only PostgreSQL: parameterised SELECTs over allowed tables and columns, and their descriptions. */
export default defineProvider({
  name: 'database',
  description: 'Read-only PostgreSQL queries over an allow-list of tables and columns',
  config: databaseConfig,
  install(builder, config) {
    const pool = new pg.Pool({
      connectionString: config.DATABASE_URL,
      max: config.DATABASE_POOL_MAX,
      connectionTimeoutMillis: 2_000,
      idleTimeoutMillis: 10_000,
      allowExitOnIdle: true,
      application_name: 'mcpkit-business-tools',
      // Every session starts read-only too: a second lock behind the read-only transaction.
      options: '-c default_transaction_read_only=on',
    });
    pool.on('error', (error) =>
      builder.logger.warn({ err: error, provider: 'database' }, 'idle database client failed'),
    );
    const tables = [...config.DATABASE_TABLES.keys()];

    // The real columns of the allowed tables, read once, so column names resolve as PostgreSQL resolves them.
    let catalog: Promise<Catalog> | undefined;
    const loadCatalog = (): Promise<Catalog> => {
      catalog ??= pool
        .query<{ table_name: string; column_name: string }>(
          'SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = ANY($2)',
          [config.DATABASE_SCHEMA, tables],
        )
        .then((result) => {
          const map = new Map<string, Set<string>>();
          for (const row of result.rows) {
            const set = map.get(row.table_name) ?? new Set<string>();
            set.add(row.column_name);
            map.set(row.table_name, set);
          }
          return map;
        })
        .catch((error: unknown) => {
          catalog = undefined;
          throw new McpkitError('UPSTREAM_UNAVAILABLE', 'The database could not be reached.', {
            cause: error,
            hint: 'Try again shortly.',
          });
        });
      return catalog;
    };

    // One bulkhead for both tools: at most the pool's size running, a bounded queue behind.
    const bulkhead = concurrency({
      max: config.DATABASE_POOL_MAX,
      queue: config.DATABASE_POOL_MAX * 8,
      name: 'database',
    });
    const deadline = timeout({ timeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS + 3_000 });
    const ours = new Set(['db_query', 'db_describe_table']);
    builder.use('tools/call', (ctx, next) =>
      ours.has(ctx.name) ? deadline(ctx, () => bulkhead(ctx, next)) : next(),
    );

    builder.health('database', async () => {
      try {
        await pool.query('SELECT 1');
        return {
          healthy: true,
          details: { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount },
        };
      } catch {
        return { healthy: false, details: { error: 'unreachable' } };
      }
    });

    builder.tool('db_query', {
      description:
        'Runs one read-only SELECT over the allowed tables (see describe_table). Values go in `params` as $1, $2 …; string literals are refused. Results are capped.',
      input: {
        sql: z.string().min(1).max(10_000),
        params: z.array(param).max(100).default([]),
      },
      output: resultShape,
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
      handler: async (args) => {
        const statement = await checkQuery(args.sql, {
          allow: config.DATABASE_TABLES,
          catalog: await loadCatalog(),
          schema: config.DATABASE_SCHEMA,
          paramCount: args.params.length,
        });
        return readOnlyQuery(pool, statement, args.params, {
          statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
          rowCap: config.DATABASE_ROW_CAP,
          schema: config.DATABASE_SCHEMA,
        });
      },
    });

    builder.tool('db_describe_table', {
      description: 'Lists the readable columns of an allowed table with their types.',
      input: { table: z.string().max(63) },
      output: {
        table: z.string(),
        columns: z.array(z.object({ name: z.string(), type: z.string(), nullable: z.boolean() })),
      },
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
      handler: async ({ table }) => {
        if (!config.DATABASE_TABLES.has(table)) {
          throw new McpkitError('NOT_FOUND', `Table "${table}" is not readable through this tool.`, {
            retryable: false,
            hint: `Readable tables: ${tables.join(', ')}.`,
          });
        }
        let result: pg.QueryResult<{ column_name: string; data_type: string; is_nullable: string }>;
        try {
          result = await pool.query(
            'SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position',
            [config.DATABASE_SCHEMA, table],
          );
        } catch (error) {
          throw new McpkitError('UPSTREAM_UNAVAILABLE', 'The database could not be reached.', {
            cause: error,
          });
        }
        const columns = result.rows
          .filter((row) => columnAllowed(config.DATABASE_TABLES, table, row.column_name))
          .map((row) => ({
            name: row.column_name,
            type: row.data_type,
            nullable: row.is_nullable === 'YES',
          }));
        return { table, columns };
      },
    });
  },
});
