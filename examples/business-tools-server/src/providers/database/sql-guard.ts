import { parse } from 'libpg-query';
import type { AllowList } from './allow-list.js';
import { type Catalog, Checker, unwrap } from './sql-checker.js';
import { refuse } from './sql-refusal.js';
import { MAX_SQL } from './sql-vocabulary.js';

export type { Catalog } from './sql-checker.js';

/** Control characters (tab and newlines aside), zero-width and bidirectional marks: ways to hide text from a reader. */
function hasInvisibleCharacters(sql: string): boolean {
  for (let i = 0; i < sql.length; i++) {
    const c = sql.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f) return true;
    if (
      (c >= 0x200b && c <= 0x200f) ||
      (c >= 0x202a && c <= 0x202e) ||
      (c >= 0x2066 && c <= 0x2069) ||
      c === 0xfeff
    ) {
      return true;
    }
  }
  return false;
}

/** Options of {@link checkQuery}. */
export interface CheckQueryOptions {
  allow: AllowList;
  catalog: Catalog;
  schema: string;
  paramCount: number;
}

/**
 * Checks one read-only query with PostgreSQL's own parser (libpg-query) and returns the single
 * statement's text. Refuses, with a coded error and `details.reason`, anything but one plain
 * SELECT over allowed tables and columns calling allowed functions, with values as parameters.
 */
export async function checkQuery(sql: string, options: CheckQueryOptions): Promise<string> {
  if (sql.length > MAX_SQL)
    throw refuse('too-long', `The query is longer than ${MAX_SQL} characters.`, 'Shorten the query.');
  if (hasInvisibleCharacters(sql)) {
    throw refuse(
      'control-characters',
      'The query contains control or invisible characters.',
      'Remove control, zero-width and bidirectional characters.',
    );
  }
  let parsed: { stmts?: Array<{ stmt?: unknown; stmt_location?: number; stmt_len?: number }> };
  try {
    parsed = await parse(sql);
  } catch (error) {
    throw refuse(
      'syntax',
      `The query does not parse: ${(error as Error).message.slice(0, 200)}`,
      'Fix the SQL syntax (PostgreSQL dialect).',
    );
  }
  const statements = parsed.stmts ?? [];
  if (statements.length !== 1) {
    throw refuse(
      'not-one-statement',
      `Send exactly one statement (got ${statements.length}).`,
      'Remove the extra statements and semicolons.',
    );
  }
  const only = statements[0] as { stmt?: unknown; stmt_location?: number; stmt_len?: number };
  const [kind, body] = unwrap(only.stmt);
  if (kind !== 'SelectStmt') {
    throw refuse(
      'not-a-select',
      `Only SELECT queries are allowed (got ${kind.replace(/Stmt$/, '').slice(0, 40)}).`,
      'This tool reads; it never changes data.',
      'FORBIDDEN',
    );
  }
  new Checker(options.allow, options.catalog, options.schema, options.paramCount).select(body, undefined);
  // Byte offsets: cut the statement out of the UTF-8 text, dropping a trailing semicolon or comment.
  const bytes = Buffer.from(sql, 'utf8');
  const start = only.stmt_location ?? 0;
  const end = only.stmt_len ? start + only.stmt_len : bytes.length;
  return bytes.subarray(start, end).toString('utf8');
}
