import { type AllowList, columnAllowed } from './allow-list.js';
import { refuse } from './sql-refusal.js';
import { FUNCTIONS, OPERATORS, TYPES } from './sql-vocabulary.js';

/** The real columns of each allowed table, as the database reports them. */
export type Catalog = ReadonlyMap<string, ReadonlySet<string>>;

type Node = Record<string, unknown>;
type Table = { name: string; alias: string | undefined };
type Scope = { tables: Table[]; outputs: Set<string>; sorting: boolean; parent: Scope | undefined };

/** The single `{ Kind: body }` of a wrapped AST node. */
export function unwrap(node: unknown): [string, Node] {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return ['(value)', {}];
  const keys = Object.keys(node);
  const kind = keys[0];
  if (keys.length !== 1 || kind === undefined || !/^[A-Z]/.test(kind)) return ['(struct)', node as Node];
  return [kind, (node as Record<string, Node>)[kind] as Node];
}

const names = (list: unknown): string[] =>
  Array.isArray(list) ? list.map((item) => String((unwrap(item)[1] as { sval?: unknown }).sval ?? '')) : [];

/** Checks a parsed query against the allow-lists; the walk refuses every node kind it does not know. */
export class Checker {
  constructor(
    readonly allow: AllowList,
    readonly catalog: Catalog,
    readonly schema: string,
    readonly paramCount: number,
  ) {}

  select(body: Node, parent: Scope | undefined): void {
    if (body.op !== undefined && body.op !== 'SETOP_NONE') {
      throw refuse(
        'unsupported-syntax',
        'UNION, INTERSECT and EXCEPT are not supported.',
        'Run one SELECT per call.',
      );
    }
    for (const [field, what] of [
      ['intoClause', 'SELECT INTO'],
      ['lockingClause', 'FOR UPDATE / FOR SHARE'],
      ['withClause', 'WITH (common table expressions)'],
      ['valuesLists', 'VALUES'],
      ['windowClause', 'WINDOW'],
    ] as const) {
      if (body[field] !== undefined) {
        const code = field === 'intoClause' || field === 'lockingClause' ? 'FORBIDDEN' : 'VALIDATION_FAILED';
        throw refuse(
          code === 'FORBIDDEN' ? 'not-a-select' : 'unsupported-syntax',
          `${what} is not allowed.`,
          'Write a plain read-only SELECT.',
          code,
        );
      }
    }
    const scope: Scope = { tables: [], outputs: new Set(), sorting: false, parent };
    for (const item of (body.fromClause as unknown[]) ?? []) this.from(item, scope);
    for (const target of (body.targetList as unknown[]) ?? []) {
      const name = (unwrap(target)[1] as { name?: unknown }).name;
      if (typeof name === 'string') scope.outputs.add(name);
    }
    for (const field of [
      'targetList',
      'whereClause',
      'groupClause',
      'havingClause',
      'limitCount',
      'limitOffset',
      'distinctClause',
    ]) {
      this.expr(body[field], scope);
    }
    // Output names (SELECT … AS n) are columns only in ORDER BY, as in PostgreSQL.
    scope.sorting = true;
    this.expr(body.sortClause, scope);
    scope.sorting = false;
    // Join conditions are checked once every table of the FROM list is in scope.
    for (const item of (body.fromClause as unknown[]) ?? []) this.joinConditions(item, scope);
  }

  from(item: unknown, scope: Scope): void {
    const [kind, node] = unwrap(item);
    if (kind === 'RangeVar') {
      if (
        node.catalogname !== undefined ||
        (node.schemaname !== undefined && node.schemaname !== this.schema)
      ) {
        throw refuse(
          'table-not-allowed',
          `Only tables of the "${this.schema}" schema may be read.`,
          this.tablesHint(),
          'FORBIDDEN',
        );
      }
      const name = String(node.relname);
      if (!this.allow.has(name)) {
        throw refuse(
          'table-not-allowed',
          `Table "${name.slice(0, 64)}" is not readable through this tool.`,
          this.tablesHint(),
          'FORBIDDEN',
        );
      }
      const alias = (node.alias as { aliasname?: string; colnames?: unknown } | undefined) ?? undefined;
      if (alias?.colnames !== undefined)
        throw refuse(
          'unsupported-syntax',
          'Column aliases on a table are not supported.',
          'Alias the columns in the SELECT list instead.',
        );
      scope.tables.push({ name, alias: alias?.aliasname });
      return;
    }
    if (kind === 'JoinExpr') {
      if (node.isNatural || node.usingClause !== undefined || node.alias !== undefined) {
        throw refuse(
          'unsupported-syntax',
          'NATURAL joins, USING and join aliases are not supported.',
          'Join with ON and qualified columns.',
        );
      }
      this.from(node.larg, scope);
      this.from(node.rarg, scope);
      return;
    }
    throw refuse(
      'unsupported-syntax',
      `${kind === 'RangeSubselect' ? 'Subqueries' : kind === 'RangeFunction' ? 'Functions' : kind} in FROM are not supported.`,
      'Read allowed tables directly in FROM.',
    );
  }

  joinConditions(item: unknown, scope: Scope): void {
    const [kind, node] = unwrap(item);
    if (kind !== 'JoinExpr') return;
    this.joinConditions(node.larg, scope);
    this.joinConditions(node.rarg, scope);
    this.expr(node.quals, scope);
  }

  expr(value: unknown, scope: Scope): void {
    if (value === undefined || value === null) return;
    if (Array.isArray(value)) {
      for (const item of value) this.expr(item, scope);
      return;
    }
    const [kind, node] = unwrap(value);
    switch (kind) {
      case '(struct)':
        // Only the empty item of a plain DISTINCT comes here.
        if (Object.keys(node).length === 0) return;
        throw refuse(
          'unsupported-syntax',
          'This query uses syntax the tool does not support.',
          'Write a plain SELECT.',
        );
      case 'ResTarget':
        this.expr(node.val, scope);
        return;
      case 'ColumnRef':
        this.column(node, scope);
        return;
      case 'A_Const':
        if (node.sval !== undefined || node.bsval !== undefined) {
          throw refuse(
            'string-literal',
            'String literals are not allowed in the query text.',
            'Pass every value as a parameter: write $1, $2 … and give them in `params`.',
          );
        }
        return;
      case 'ParamRef':
        if (typeof node.number !== 'number' || node.number < 1 || node.number > this.paramCount) {
          throw refuse(
            'parameter-missing',
            `Parameter $${String(node.number)} has no value.`,
            `Give ${String(node.number)} or more values in \`params\`.`,
          );
        }
        return;
      case 'A_Expr': {
        const op = names(node.name);
        if (!op.every((name) => OPERATORS.has(name))) {
          throw refuse(
            'operator-not-allowed',
            `Operator ${op.join(' ').slice(0, 20)} is not allowed.`,
            'Use comparison, arithmetic, || and LIKE operators.',
          );
        }
        this.expr(node.lexpr, scope);
        this.expr(node.rexpr, scope);
        return;
      }
      case 'BoolExpr':
      case 'CoalesceExpr':
      case 'MinMaxExpr':
        this.expr(node.args, scope);
        return;
      case 'NullTest':
      case 'BooleanTest':
        this.expr(node.arg, scope);
        return;
      case 'List':
        this.expr(node.items, scope);
        return;
      case 'SortBy':
        if (node.useOp !== undefined)
          throw refuse('operator-not-allowed', 'ORDER BY … USING is not allowed.', 'Use ASC or DESC.');
        this.expr(node.node, scope);
        return;
      case 'CaseExpr':
        this.expr(node.arg, scope);
        this.expr(node.args, scope);
        this.expr(node.defresult, scope);
        return;
      case 'CaseWhen':
        this.expr(node.expr, scope);
        this.expr(node.result, scope);
        return;
      case 'TypeCast': {
        const type = names((node.typeName as { names?: unknown } | undefined)?.names).filter(
          (n) => n !== 'pg_catalog',
        );
        if (type.length !== 1 || !TYPES.has(type[0] as string)) {
          throw refuse(
            'type-not-allowed',
            `Casting to ${type.join('.').slice(0, 40)} is not allowed.`,
            `Cast to one of: ${[...TYPES].join(', ')}.`,
          );
        }
        this.expr(node.arg, scope);
        return;
      }
      case 'FuncCall':
        this.call(node, scope);
        return;
      case 'SubLink': {
        this.expr(node.testexpr, scope);
        const [subKind, sub] = unwrap(node.subselect);
        if (subKind !== 'SelectStmt')
          throw refuse(
            'not-a-select',
            'Only SELECT subqueries are allowed.',
            'Write a plain SELECT.',
            'FORBIDDEN',
          );
        this.select(sub, scope);
        return;
      }
      default:
        throw refuse(
          'unsupported-syntax',
          `${kind.slice(0, 40)} is not supported in a query.`,
          'Write a plain SELECT over the allowed tables.',
        );
    }
  }

  call(node: Node, scope: Scope): void {
    const name = names(node.funcname);
    const fn =
      name.length === 2 && name[0] === 'pg_catalog' ? name[1] : name.length === 1 ? name[0] : undefined;
    if (fn === undefined || !FUNCTIONS.has(fn)) {
      throw refuse(
        'function-not-allowed',
        `Function ${name.join('.').slice(0, 64)}() is not allowed.`,
        'Use aggregates (count, sum, avg, min, max) and simple text, number and date functions.',
        'FORBIDDEN',
      );
    }
    if (node.over !== undefined || node.func_variadic) {
      throw refuse(
        'unsupported-syntax',
        'Window functions and VARIADIC calls are not supported.',
        'Aggregate with GROUP BY instead.',
      );
    }
    this.expr(node.args, scope);
    this.expr(node.agg_order, scope);
    this.expr(node.agg_filter, scope);
  }

  column(node: Node, scope: Scope): void {
    const fields = Array.isArray(node.fields) ? node.fields.map((f) => unwrap(f)) : [];
    const star = fields.at(-1)?.[0] === 'A_Star';
    const parts = fields.map(([kind, body]) => (kind === 'String' ? String(body.sval) : '*'));
    if (parts.length === 1 && star) {
      for (let s: Scope | undefined = scope; s; s = s.parent) {
        if (s.tables.length > 0) {
          this.wholeTables(s.tables);
          return;
        }
      }
      throw refuse('unsupported-syntax', 'SELECT * needs a table.', 'Name a table in FROM.');
    }
    if (parts.length === 2) {
      const table = this.tableNamed(parts[0] as string, scope);
      if (star) this.wholeTables([table]);
      else this.allowed(table.name, parts[1] as string);
      return;
    }
    if (parts.length !== 1)
      throw refuse(
        'unsupported-syntax',
        'Write columns as column or table.column.',
        'Qualify columns with the table name or alias only.',
      );
    const column = parts[0] as string;
    // Resolved as PostgreSQL does: the innermost query level with a table having the column wins.
    for (let s: Scope | undefined = scope; s; s = s.parent) {
      const having = s.tables.filter((t) => this.catalog.get(t.name)?.has(column));
      if (having.length > 0) {
        for (const t of having) this.allowed(t.name, column);
        return;
      }
    }
    if (scope.sorting && scope.outputs.has(column)) return;
    for (let s: Scope | undefined = scope; s; s = s.parent) {
      if (s.tables.some((t) => (t.alias ?? t.name) === column)) {
        throw refuse(
          'whole-row',
          `"${column.slice(0, 64)}" reads a whole row.`,
          'Name the columns you need.',
          'FORBIDDEN',
        );
      }
    }
    throw refuse(
      'unknown-column',
      `Column "${column.slice(0, 64)}" is not a readable column of the tables in FROM.`,
      this.tablesHint(),
    );
  }

  tableNamed(name: string, scope: Scope): Table {
    for (let s: Scope | undefined = scope; s; s = s.parent) {
      const found = s.tables.find((t) => (t.alias ?? t.name) === name);
      if (found) return found;
    }
    throw refuse(
      'unknown-column',
      `"${name.slice(0, 64)}" is not a table or alias in FROM.`,
      'Qualify columns with a table named in FROM.',
    );
  }

  wholeTables(tables: Table[]): void {
    for (const t of tables) {
      if (this.allow.get(t.name) !== '*') {
        throw refuse(
          'column-not-allowed',
          `Not every column of "${t.name}" is readable, so * is not allowed.`,
          this.tablesHint(),
          'FORBIDDEN',
        );
      }
    }
  }

  allowed(table: string, column: string): void {
    if (!columnAllowed(this.allow, table, column)) {
      throw refuse(
        'column-not-allowed',
        `Column "${column.slice(0, 64)}" of "${table}" is not readable.`,
        this.tablesHint(),
        'FORBIDDEN',
      );
    }
  }

  tablesHint(): string {
    const list = [...this.allow].map(([t, c]) => (c === '*' ? t : `${t}(${[...c].join(', ')})`));
    return `Readable: ${list.join('; ')}. db_describe_table shows their columns.`;
  }
}
