import { McpkitError } from '@mcpkit/core';
import { sql, type Transaction } from 'kysely';
import type { MemoryDatabase } from './open-database.js';
import { type MemorySchema, TENANT_ROLE } from './schema.js';

/** A transaction whose every statement runs as the tenant role with `app.tenant_id` set. */
export type TenantTransaction = Transaction<MemorySchema>;

const TENANT_ID = /^[\w.@:-]{1,128}$/u;

/**
 * Runs `work` in one transaction scoped to `tenant`: `SET LOCAL ROLE` to a role that is neither
 * superuser nor BYPASSRLS, and `app.tenant_id` set with `set_config(…, true)`, so PostgreSQL's
 * row-level security policies filter every statement, including one that forgets its `WHERE`.
 * Both settings end with the transaction, so a pooled connection never carries them to the next
 * caller.
 */
export async function inTenant<T>(
  database: MemoryDatabase,
  tenant: string,
  work: (trx: TenantTransaction) => Promise<T>,
): Promise<T> {
  if (!TENANT_ID.test(tenant)) {
    throw new McpkitError('FORBIDDEN', 'The caller has no usable tenant.', {
      hint: 'A tenant id is 1–128 letters, digits or . _ @ : - characters.',
    });
  }
  try {
    return await database.db.transaction().execute(async (trx) => {
      await sql`select
        set_config('role', ${TENANT_ROLE}, true),
        set_config('app.tenant_id', ${tenant}, true),
        set_config('statement_timeout', ${String(database.statementTimeoutMs)}, true)`.execute(trx);
      return work(trx);
    });
  } catch (error) {
    throw databaseBusy(error, database) ?? error;
  }
}

/** A coded, retryable error for a database that was too slow or too busy; undefined for any other failure. */
function databaseBusy(error: unknown, database: MemoryDatabase): McpkitError | undefined {
  // 57014 query_canceled: PostgreSQL's own statement_timeout fired.
  if ((error as { code?: unknown })?.code === '57014') {
    return new McpkitError(
      'UPSTREAM_TIMEOUT',
      `The database cancelled a statement after ${database.statementTimeoutMs} ms (statement timeout).`,
      {
        retryable: true,
        hint: 'Narrow the query (tags, dates, a smaller limit), or raise DB_STATEMENT_TIMEOUT_MS.',
        cause: error,
      },
    );
  }
  // pg's pool gave up waiting for a free connection.
  if (error instanceof Error && /timeout exceeded when trying to connect/.test(error.message)) {
    return new McpkitError(
      'UPSTREAM_TIMEOUT',
      'Every database connection stayed busy; the call was not run.',
      {
        retryable: true,
        retryAfterMs: 1_000,
        hint: 'Retry in a moment; if it persists, raise DB_POOL_MAX or DB_POOL_WAIT_MS.',
        cause: error,
      },
    );
  }
  return undefined;
}
