import type { Generated } from 'kysely';

/** A row of `memories`, as Kysely sees it (the generated `search` column is left out). */
export interface MemoryTable {
  tenant_id: Generated<string>;
  id: Generated<string>;
  client_key: string | null;
  content: string;
  source: string | null;
  importance: number;
  tags: string[];
  language: string;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

/** A row of `memory_links`: a directed, typed edge between two memories of one tenant. */
export interface MemoryLinkTable {
  tenant_id: Generated<string>;
  from_id: string;
  to_id: string;
  relation: string;
  created_at: Generated<Date>;
}

/** The tables the server queries through Kysely. */
export interface MemorySchema {
  memories: MemoryTable;
  memory_links: MemoryLinkTable;
}

/** The role every tenant transaction switches to: neither superuser nor BYPASSRLS, so RLS applies. */
export const TENANT_ROLE = 'mcpkit_memory_tenant';

/** The `LISTEN/NOTIFY` channel the change-feed triggers publish on. */
export const CHANGE_CHANNEL = 'mcpkit_memory_changes';
