import * as z from 'zod';

/** Text-search configurations a memory may be written in (PostgreSQL's built-in `regconfig`s). */
export const LANGUAGES = [
  'english',
  'simple',
  'german',
  'french',
  'spanish',
  'italian',
  'portuguese',
  'dutch',
] as const;

/** A tag: lower-case words joined by `-`, `_`, `.` or `/`. */
export const Tag = z
  .string()
  .trim()
  .toLowerCase()
  .regex(
    /^[\p{L}\p{N}][\p{L}\p{N}_./-]{0,63}$/u,
    'a tag is 1–64 letters, digits, _ . / or -, starting with a letter or digit',
  );

/** A memory as the tools and resources show it. */
export const Memory = z.object({
  id: z.string(),
  content: z.string(),
  tags: z.array(z.string()),
  source: z.string().nullable(),
  importance: z.number(),
  language: z.string(),
  clientKey: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/** A memory as the tools and resources show it. */
export type Memory = z.output<typeof Memory>;

/** A row as both drivers return it (`select *` without the search and embedding columns). */
export interface MemoryRow {
  id: string;
  content: string;
  tags: string[];
  source: string | null;
  importance: number;
  language: string;
  client_key: string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

/** The columns every memory query selects (never the tenant, the tsvector or the vector). */
export const MEMORY_COLUMNS =
  'm.id, m.content, m.tags, m.source, m.importance, m.language::text as language, m.client_key, m.created_at, m.updated_at';

/** Maps a row to the public shape. */
export function toMemory(row: MemoryRow): Memory {
  return {
    id: row.id,
    content: row.content,
    tags: row.tags,
    source: row.source,
    importance: Number(row.importance),
    language: row.language,
    clientKey: row.client_key,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

/** pgvector's text form of a vector. */
export function vectorLiteral(vector: readonly number[]): string {
  return `[${vector.map((value) => (Number.isFinite(value) ? value : 0)).join(',')}]`;
}

/** True for a canonical UUID (memory ids); anything else is never looked up. */
export function isMemoryId(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
