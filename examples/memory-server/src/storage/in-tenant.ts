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
  return database.db.transaction().execute(async (trx) => {
    await sql`select
        set_config('role', ${TENANT_ROLE}, true),
        set_config('app.tenant_id', ${tenant}, true),
        set_config('statement_timeout', ${String(database.statementTimeoutMs)}, true)`.execute(trx);
    return work(trx);
  });
}
