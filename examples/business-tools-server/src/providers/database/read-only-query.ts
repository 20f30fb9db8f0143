import { McpkitError } from '@mcpkit/core';
import type pg from 'pg';

/** A query result as the tool returns it: typed columns and rows as arrays. */
export interface QueryResult {
  columns: Array<{ name: string; type: string }>;
  rows: unknown[][];
  rowCount: number;
  /** True when the query had more rows than the cap; only the first `rowCap` are returned. */
  truncated: boolean;
}

const typeNames = new Map<number, string>();

/** PostgreSQL errors mapped to coded errors: the message is PostgreSQL's, which names no secret. */
function mapError(error: unknown): McpkitError {
  const pgError = error as { code?: string; message?: string };
  const code = pgError.code ?? '';
  if (code === '57014') {
    return new McpkitError(
      'UPSTREAM_TIMEOUT',
      'The query ran past its statement timeout and was cancelled.',
      {
        retryable: false,
        hint: 'Narrow the query: add WHERE conditions, a LIMIT, or fewer joins.',
        details: { reason: 'statement-timeout' },
      },
    );
  }
  if (code === '25006') {
    return new McpkitError('FORBIDDEN', 'The database refused a write in the read-only transaction.', {
      retryable: false,
      details: { reason: 'read-only' },
    });
  }
  if (/^(22|42)/.test(code)) {
    return new McpkitError(
      'VALIDATION_FAILED',
      `PostgreSQL refused the query: ${(pgError.message ?? '').slice(0, 300)}`,
      {
        retryable: false,
        hint: 'Fix the query or the types of its parameters.',
        details: { reason: 'database-error', sqlstate: code },
      },
    );
  }
  return new McpkitError('UPSTREAM_UNAVAILABLE', 'The database could not run the query.', {
    cause: error,
    hint: 'The database is unreachable or overloaded; try again shortly.',
  });
}

/**
 * Runs one checked SELECT inside `BEGIN READ ONLY` with a local statement timeout, fetching at
 * most `rowCap + 1` rows (to tell truncation), values passed as bind parameters, and always rolls back.
 */
export async function readOnlyQuery(
  pool: pg.Pool,
  statement: string,
  params: readonly unknown[],
  options: { statementTimeoutMs: number; rowCap: number; schema: string },
): Promise<QueryResult> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw mapError(error);
  }
  let broken: Error | undefined;
  try {
    await client.query('BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
    // Integers from the validated configuration, never caller input.
    await client.query(`SET LOCAL statement_timeout = ${Math.trunc(options.statementTimeoutMs)}`);
    await client.query(`SET LOCAL lock_timeout = ${Math.trunc(options.statementTimeoutMs)}`);
    // The schema name passed the configuration pattern ([a-z_][a-z0-9_]*); pg_catalog stays searched first.
    await client.query(`SET LOCAL search_path = "${options.schema}"`);
    // The newlines keep a trailing line comment of the statement from swallowing the wrapper.
    const result = await client.query({
      text: `SELECT * FROM (\n${statement}\n) AS capped LIMIT ${Math.trunc(options.rowCap) + 1}`,
      values: params as unknown[],
      rowMode: 'array',
    });
    const unknownTypes = [...new Set(result.fields.map((f) => f.dataTypeID))].filter(
      (oid) => !typeNames.has(oid),
    );
    if (unknownTypes.length > 0) {
      const types = await client.query<{ oid: number; name: string }>(
        'SELECT oid::int AS oid, format_type(oid, NULL) AS name FROM pg_type WHERE oid = ANY($1::oid[])',
        [unknownTypes],
      );
      for (const row of types.rows) if (typeNames.size < 10_000) typeNames.set(row.oid, row.name);
    }
    const rows = result.rows as unknown[][];
    const truncated = rows.length > options.rowCap;
    const kept = truncated ? rows.slice(0, options.rowCap) : rows;
    return {
      columns: result.fields.map((f) => ({
        name: f.name,
        type: typeNames.get(f.dataTypeID) ?? `oid:${f.dataTypeID}`,
      })),
      rows: kept.map((row) => row.map((value) => (typeof value === 'bigint' ? String(value) : value))),
      rowCount: kept.length,
      truncated,
    };
  } catch (error) {
    throw mapError(error);
  } finally {
    await client.query('ROLLBACK').catch((error: Error) => {
      broken = error;
    });
    client.release(broken);
  }
}
