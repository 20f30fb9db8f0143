import { McpkitError } from '@mcpkit/core';
import { sql } from 'kysely';
import type { TenantTransaction } from '../storage/in-tenant.js';
import {
  isMemoryId,
  MEMORY_COLUMNS,
  type Memory,
  type MemoryRow,
  toMemory,
  vectorLiteral,
} from './memory.js';

/** What `remember` and `import_memories` write. */
export interface NewMemory {
  content: string;
  tags: readonly string[];
  source?: string | undefined;
  importance: number;
  language: string;
  clientKey?: string | undefined;
}

/** A change to an existing memory; absent fields stay as they are. */
export interface MemoryPatch {
  content?: string | undefined;
  tags?: readonly string[] | undefined;
  source?: string | null | undefined;
  importance?: number | undefined;
}

/** A link between two memories, as `memory://{id}` shows it. */
export interface MemoryLink {
  direction: 'out' | 'in';
  id: string;
  relation: string;
}

const cols = sql.raw(MEMORY_COLUMNS);
const embeddingValue = (embedding: readonly number[] | null) =>
  embedding === null ? sql`null` : sql`${vectorLiteral(embedding)}::vector`;

function notFound(id: string): McpkitError {
  return new McpkitError('NOT_FOUND', `No memory ${id}.`, {
    hint: 'Use recall or list_tags to find the ids that exist.',
  });
}

/**
 * Inserts a memory. With a `clientKey` the insert is idempotent: a second write with the same key
 * returns the first memory unchanged (`created: false`).
 */
export async function insertMemory(
  trx: TenantTransaction,
  input: NewMemory,
  embedding: readonly number[] | null,
  vector: boolean,
): Promise<{ memory: Memory; created: boolean }> {
  const columns = sql.raw(
    vector
      ? 'content, tags, source, importance, language, client_key, embedding'
      : 'content, tags, source, importance, language, client_key',
  );
  const values = [
    sql`${input.content}`,
    sql`${[...input.tags]}::text[]`,
    sql`${input.source ?? null}`,
    sql`${input.importance}`,
    sql`${input.language}::regconfig`,
    sql`${input.clientKey ?? null}`,
    ...(vector ? [embeddingValue(embedding)] : []),
  ];
  const inserted = await sql<MemoryRow>`
    insert into memories as m (${columns}) values (${sql.join(values)})
    on conflict (tenant_id, client_key) do nothing
    returning ${cols}`.execute(trx);
  const row = inserted.rows[0];
  if (row) return { memory: toMemory(row), created: true };
  const existing =
    await sql<MemoryRow>`select ${cols} from memories m where m.client_key = ${input.clientKey ?? null}`.execute(
      trx,
    );
  const first = existing.rows[0];
  if (!first)
    throw new McpkitError('CONFLICT', 'The memory could not be written; try again.', { retryable: true });
  return { memory: toMemory(first), created: false };
}

/** Reads one memory (RLS keeps it to the tenant); undefined when there is none. */
export async function findMemory(trx: TenantTransaction, id: string): Promise<Memory | undefined> {
  if (!isMemoryId(id)) return undefined;
  const result = await sql<MemoryRow>`select ${cols} from memories m where m.id = ${id}`.execute(trx);
  return result.rows[0] ? toMemory(result.rows[0]) : undefined;
}

/** Reads one memory or throws `NOT_FOUND`. */
export async function getMemory(trx: TenantTransaction, id: string): Promise<Memory> {
  const memory = await findMemory(trx, id);
  if (!memory) throw notFound(id);
  return memory;
}

/** Applies a patch; a new `content` comes with its new embedding. Resolves to the memory before and after. */
export async function updateMemory(
  trx: TenantTransaction,
  id: string,
  patch: MemoryPatch,
  embedding: readonly number[] | null | undefined,
  vector: boolean,
): Promise<{ before: Memory; after: Memory }> {
  const before = await getMemory(trx, id);
  const sets = [sql`updated_at = now()`];
  if (patch.content !== undefined) sets.push(sql`content = ${patch.content}`);
  if (patch.tags !== undefined) sets.push(sql`tags = ${[...patch.tags]}::text[]`);
  if (patch.source !== undefined) sets.push(sql`source = ${patch.source}`);
  if (patch.importance !== undefined) sets.push(sql`importance = ${patch.importance}`);
  if (vector && embedding !== undefined) sets.push(sql`embedding = ${embeddingValue(embedding)}`);
  const result = await sql<MemoryRow>`
    update memories m set ${sql.join(sets)} where m.id = ${id} returning ${cols}`.execute(trx);
  const row = result.rows[0];
  if (!row) throw notFound(id);
  return { before, after: toMemory(row) };
}

/** Deletes a memory (its links go with it); resolves to what was deleted. */
export async function deleteMemory(trx: TenantTransaction, id: string): Promise<Memory> {
  if (!isMemoryId(id)) throw notFound(id);
  const result = await sql<MemoryRow>`delete from memories m where m.id = ${id} returning ${cols}`.execute(
    trx,
  );
  const row = result.rows[0];
  if (!row) throw notFound(id);
  return toMemory(row);
}

/**
 * Links `from` to `to`. Both must be the tenant's: a foreign key alone would accept another
 * tenant's id (PostgreSQL checks foreign keys without row-level security).
 */
export async function linkMemories(
  trx: TenantTransaction,
  from: string,
  to: string,
  relation: string,
): Promise<{ created: boolean }> {
  if (from === to) {
    throw new McpkitError('VALIDATION_FAILED', 'A memory cannot be linked to itself.', {
      hint: 'Pass two different ids.',
    });
  }
  for (const id of [from, to]) await getMemory(trx, id);
  const result = await sql`
    insert into memory_links (from_id, to_id, relation) values (${from}, ${to}, ${relation})
    on conflict do nothing`.execute(trx);
  return { created: Number(result.numAffectedRows ?? 0n) > 0 };
}

/** The links of one memory, both directions. */
export async function linksOf(trx: TenantTransaction, id: string): Promise<MemoryLink[]> {
  const result = await sql<{ direction: 'out' | 'in'; id: string; relation: string }>`
    select 'out' as direction, to_id as id, relation from memory_links where from_id = ${id}
    union all
    select 'in' as direction, from_id as id, relation from memory_links where to_id = ${id}
    order by relation, id`.execute(trx);
  return result.rows;
}

/** Tags in use with their counts, most used first; `prefix` narrows them. */
export async function listTags(
  trx: TenantTransaction,
  options: { prefix?: string | undefined; limit: number },
): Promise<Array<{ tag: string; count: number }>> {
  const prefix = `${(options.prefix ?? '').replaceAll('\\', '\\\\').replaceAll('%', '\\%').replaceAll('_', '\\_')}%`;
  const result = await sql<{ tag: string; count: number }>`
    select t.tag, count(*)::int as count from memories m, unnest(m.tags) as t(tag)
    where t.tag like ${prefix}
    group by t.tag order by count desc, t.tag limit ${options.limit}`.execute(trx);
  return result.rows;
}

/** Memories carrying `tag`, newest first. */
export async function memoriesTagged(trx: TenantTransaction, tag: string, limit: number): Promise<Memory[]> {
  const result = await sql<MemoryRow>`
    select ${cols} from memories m where m.tags @> array[${tag}]::text[]
    order by m.created_at desc, m.id limit ${limit}`.execute(trx);
  return result.rows.map(toMemory);
}

/** Ids starting with `prefix` (for completion), newest first. */
export async function completeIds(trx: TenantTransaction, prefix: string, limit: number): Promise<string[]> {
  const clean = prefix.toLowerCase().replace(/[^0-9a-f-]/g, '');
  const result = await sql<{ id: string }>`
    select m.id::text as id from memories m where m.id::text like ${`${clean}%`}
    order by m.created_at desc limit ${limit}`.execute(trx);
  return result.rows.map((row) => row.id);
}

/** Counts and the most recent and most important memories, for the digest resource. */
export async function digestOf(trx: TenantTransaction): Promise<{
  total: number;
  tags: Array<{ tag: string; count: number }>;
  recent: Memory[];
  important: Memory[];
}> {
  const total = await sql<{ n: number }>`select count(*)::int as n from memories`.execute(trx);
  const recent =
    await sql<MemoryRow>`select ${cols} from memories m order by m.created_at desc, m.id limit 5`.execute(
      trx,
    );
  const important = await sql<MemoryRow>`
    select ${cols} from memories m order by m.importance desc, m.created_at desc limit 5`.execute(trx);
  return {
    total: total.rows[0]?.n ?? 0,
    tags: await listTags(trx, { limit: 10 }),
    recent: recent.rows.map(toMemory),
    important: important.rows.map(toMemory),
  };
}
