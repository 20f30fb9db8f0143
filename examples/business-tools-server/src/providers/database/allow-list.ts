/** Tables the database tools may read: each with its readable columns, or `'*'` for all of them. */
export type AllowList = ReadonlyMap<string, ReadonlySet<string> | '*'>;

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;

/** Parses `customers(id,name,email);orders` into an {@link AllowList}; throws a plain message when malformed. */
export function parseAllowList(spec: string): AllowList {
  const tables = new Map<string, ReadonlySet<string> | '*'>();
  for (const part of spec
    .split(';')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const match = part.match(/^([^()\s]+)\s*(?:\(([^()]*)\))?$/);
    const table = match?.[1];
    if (!match || !table || !IDENT.test(table)) {
      throw new Error(`"${part.slice(0, 40)}" is not table or table(col,…) with lower-case names`);
    }
    if (match[2] === undefined) {
      tables.set(table, '*');
      continue;
    }
    const columns = match[2].split(',').map((c) => c.trim());
    const bad = columns.find((c) => !IDENT.test(c));
    if (bad !== undefined)
      throw new Error(`column "${bad.slice(0, 40)}" of ${table} is not a lower-case name`);
    tables.set(table, new Set(columns));
  }
  if (tables.size === 0) throw new Error('must name at least one table');
  return tables;
}

/** Whether `column` of `table` may be read. */
export function columnAllowed(allow: AllowList, table: string, column: string): boolean {
  const columns = allow.get(table);
  return columns === '*' || (columns?.has(column) ?? false);
}
