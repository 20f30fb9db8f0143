import { cache } from '@mcpkit/cache';
import { type CursorPagination, McpkitError, type ServerBuilder } from '@mcpkit/core';
import * as z from 'zod';
import { searchMemories } from '../memories/hybrid-search.js';
import { LANGUAGES, Tag } from '../memories/memory.js';
import type { MemoryService } from '../memories/memory-service.js';
import { recallTagAll, recallTagFor } from '../memories/recall-tags.js';

const RecallInput = z.object({
  query: z.string().trim().min(1).max(500).describe('What to look for, in plain words'),
  tags: z.array(Tag).max(10).optional().describe('Only memories carrying every one of these tags'),
  since: z.iso
    .datetime({ offset: true })
    .optional()
    .describe('Only memories created at or after this time (ISO 8601)'),
  until: z.iso
    .datetime({ offset: true })
    .optional()
    .describe('Only memories created before this time (ISO 8601)'),
  mode: z
    .enum(['hybrid', 'fulltext', 'vector'])
    .default('hybrid')
    .describe('Ranking: both fused (default), full text, or vectors'),
  language: z.enum(LANGUAGES).default('english').describe('Text-search language of the query'),
  limit: z.number().int().min(1).max(50).default(10),
  cursor: z.string().max(1_000).optional().describe('nextCursor of the previous page'),
});

const RecallOutput = z.object({
  tenant: z.string(),
  mode: z.enum(['hybrid', 'fulltext', 'vector']),
  degraded: z.string().optional(),
  hits: z.array(
    z.object({
      id: z.string(),
      uri: z.string(),
      snippet: z.string(),
      content: z.string(),
      tags: z.array(z.string()),
      source: z.string().nullable(),
      importance: z.number(),
      createdAt: z.string(),
      score: z.number(),
      matchedBy: z.array(z.enum(['fulltext', 'vector'])),
    }),
  ),
  nextCursor: z.string().optional(),
});

/** Deepest offset a cursor may reach; past it the caller should narrow the query. */
export const MAX_RECALL_DEPTH = 1_000;

/**
 * Registers `recall`: hybrid search with filters and cursor pagination, cached per tenant until a
 * write. Cursors come from `pagination` (core's signed cursors), bound to the tenant and to every
 * argument that decides the ranking; a cached page carries one, so every instance that shares the
 * cache must share the pagination secret.
 */
export function recallTool(
  builder: ServerBuilder,
  service: MemoryService,
  options: { cacheTtlMs: number; pagination: CursorPagination },
): ServerBuilder {
  const { pagination } = options;
  const status = service.searchStatus();
  const ranking = service.database.vector
    ? 'Ranks by full-text search (stemmed, weighted tags) fused with vector similarity of embeddings; if the embedding provider is failing it falls back to full text and says so in `degraded`.'
    : `Vector search is unavailable here (${service.database.vectorUnavailable ?? 'no pgvector'}), so it ranks by full-text search alone (stemmed, weighted tags); \`mode: "vector"\` is refused.`;
  return builder.tool('recall', {
    description: `Searches your memories. ${ranking} Filter by tags and creation time; page with nextCursor. Snippets mark matched words with **.`,
    input: RecallInput,
    output: RecallOutput,
    annotations: { readOnlyHint: true, openWorldHint: false },
    use: [
      cache({
        ttlMs: options.cacheTtlMs,
        tags: (args, result) => {
          const tenant = result.isError ? undefined : result.structuredContent?.tenant;
          if (!tenant) return [];
          return args.tags && args.tags.length > 0
            ? args.tags.map((tag) => recallTagFor(tenant, tag))
            : [recallTagAll(tenant)];
        },
      }),
    ],
    handler: async (args, ctx) => {
      if (args.mode === 'vector' && !service.database.vector) {
        throw new McpkitError(
          'VALIDATION_FAILED',
          'Vector search needs the pgvector extension, which this database lacks.',
          {
            hint: `Use mode "hybrid" or "fulltext" (${status.reason ?? 'full text only'}).`,
          },
        );
      }
      const { cursor, limit: _limit, ...ranked } = args;
      const scope = { list: 'recall', filter: { tenant: service.tenantOf(ctx), ...ranked } };
      // Checked before any embedding work: a tampered, expired or foreign cursor costs nothing.
      const position = pagination.decode(cursor, scope);
      if (position !== undefined && !('offset' in position && position.offset <= MAX_RECALL_DEPTH)) {
        throw new McpkitError('VALIDATION_FAILED', 'That cursor is not one recall returned.', {
          details: { field: 'cursor' },
          hint: 'Pass the nextCursor of the previous recall with the same query, tags and dates.',
        });
      }
      const offset = position?.offset ?? 0;
      const embedded = args.mode === 'fulltext' ? { vectors: null } : await service.embed([args.query], ctx);
      const vector = embedded.vectors?.[0] ?? null;
      if (args.mode === 'vector' && vector === null) {
        throw new McpkitError(
          'UPSTREAM_UNAVAILABLE',
          `Vector search is unavailable: ${embedded.degraded ?? 'no embedding'}.`,
          {
            retryable: true,
            retryAfterMs: 15_000,
            hint: 'Retry later, or use mode "hybrid", which falls back to full text.',
          },
        );
      }
      const mode = args.mode === 'hybrid' && vector === null ? 'fulltext' : args.mode;
      const query = {
        text: args.query,
        language: args.language,
        tags: args.tags,
        since: args.since,
        until: args.until,
        offset,
        limit: args.limit,
      };
      const { tenant, result } = await service.inTenantOf(ctx, async (trx, tenant) => ({
        tenant,
        result: await searchMemories(trx, query, mode, vector),
      }));
      const next = offset + args.limit;
      return {
        tenant,
        mode,
        ...(embedded.degraded ? { degraded: embedded.degraded } : {}),
        hits: result.hits.map((hit) => ({
          id: hit.memory.id,
          uri: `memory://${hit.memory.id}`,
          snippet: hit.snippet,
          content: hit.memory.content,
          tags: hit.memory.tags,
          source: hit.memory.source,
          importance: hit.memory.importance,
          createdAt: hit.memory.createdAt,
          score: hit.score,
          matchedBy: hit.matchedBy,
        })),
        ...(result.more && next <= MAX_RECALL_DEPTH
          ? { nextCursor: pagination.encode(scope, { offset: next }) }
          : {}),
      };
    },
  });
}
