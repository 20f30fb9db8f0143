import { invalidate } from '@mcpkit/cache';
import { type BaseContext, McpkitError, type ServerBuilder } from '@mcpkit/core';
import * as z from 'zod';
import { LANGUAGES, Memory, Tag } from '../memories/memory.js';
import type { MemoryService } from '../memories/memory-service.js';
import { deleteMemory, insertMemory, linkMemories, updateMemory } from '../memories/memory-store.js';
import { staleRecallTags } from '../memories/recall-tags.js';

const Content = z.string().trim().min(1).max(20_000);
const Tags = z.array(Tag).max(20);
const Importance = z.number().min(0).max(1);
const MemoryId = z.uuid().describe('Memory id (from remember or recall)');

/** Fields of a new memory, shared by `remember` and each item of `import_memories`. */
export const NewMemoryInput = z.object({
  content: Content.describe('What to remember'),
  tags: Tags.default([]).describe('Lower-case tags, e.g. ["project-x", "decision"]'),
  source: z.string().trim().min(1).max(500).optional().describe('Where it came from (URL, meeting, person)'),
  importance: Importance.default(0.5).describe('0 (trivia) … 1 (critical)'),
  language: z.enum(LANGUAGES).default('english').describe('Language of the content, for stemming'),
  clientKey: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe('Your own id for this memory; writing it again changes nothing'),
});

/** Voids the recalls a write made stale, on this instance (the change feed tells the others). */
export async function invalidateRecalls(
  ctx: BaseContext,
  tenant: string,
  tags: Iterable<string>,
): Promise<void> {
  await invalidate(ctx, staleRecallTags(tenant, tags));
}

/** Registers `remember`, `update_memory`, `forget` and `link_memories` (`import_memories` is in import-tool.ts). */
export function writeTools(builder: ServerBuilder, service: MemoryService): ServerBuilder {
  return builder
    .tool('remember', {
      description:
        'Stores a memory with tags, source and importance. With clientKey the write is idempotent.',
      input: NewMemoryInput,
      output: z.object({ memory: Memory, created: z.boolean() }),
      annotations: { idempotentHint: false, destructiveHint: false, openWorldHint: false },
      handler: async (args, ctx) => {
        const { vectors } = await service.embed([args.content], ctx);
        const { tenant, written } = await service.inTenantOf(ctx, async (trx, tenant) => ({
          tenant,
          written: await insertMemory(trx, args, vectors?.[0] ?? null, service.database.vector),
        }));
        await invalidateRecalls(ctx, tenant, written.memory.tags);
        return written;
      },
    })
    .tool('update_memory', {
      description:
        'Changes the content, tags, source or importance of a memory; fields left out stay as they are.',
      input: z.object({
        id: MemoryId,
        content: Content.optional(),
        tags: Tags.optional(),
        source: z.string().trim().min(1).max(500).nullable().optional().describe('null clears it'),
        importance: Importance.optional(),
      }),
      output: z.object({ memory: Memory }),
      annotations: { idempotentHint: true, destructiveHint: false, openWorldHint: false },
      handler: async ({ id, ...patch }, ctx) => {
        if (Object.values(patch).every((value) => value === undefined)) {
          throw new McpkitError('VALIDATION_FAILED', 'Nothing to change.', {
            hint: 'Pass at least one of content, tags, source, importance.',
          });
        }
        const embedding =
          patch.content === undefined
            ? undefined
            : ((await service.embed([patch.content], ctx)).vectors?.[0] ?? null);
        const { tenant, before, after } = await service.inTenantOf(ctx, async (trx, tenant) => ({
          tenant,
          ...(await updateMemory(trx, id, patch, embedding, service.database.vector)),
        }));
        await invalidateRecalls(ctx, tenant, [...before.tags, ...after.tags]);
        return { memory: after };
      },
    })
    .tool('forget', {
      description: 'Deletes a memory and its links, after the user confirms. Recorded in the audit trail.',
      input: z.object({ id: MemoryId }),
      output: z.object({ forgotten: Memory }),
      annotations: { destructiveHint: true, idempotentHint: true, openWorldHint: false },
      handler: async ({ id }, ctx) => {
        const { tenant, forgotten } = await service.inTenantOf(ctx, async (trx, tenant) => ({
          tenant,
          forgotten: await deleteMemory(trx, id),
        }));
        await invalidateRecalls(ctx, tenant, forgotten.tags);
        return { forgotten };
      },
    })
    .tool('link_memories', {
      description: 'Links two of your memories with a relation (supports, contradicts, follows, related, …).',
      input: z.object({
        from: MemoryId,
        to: MemoryId,
        relation: Tag.default('related').describe('Kind of link, e.g. "contradicts"'),
      }),
      output: z.object({ created: z.boolean() }),
      annotations: { idempotentHint: true, destructiveHint: false, openWorldHint: false },
      handler: ({ from, to, relation }, ctx) =>
        service.inTenantOf(ctx, (trx) => linkMemories(trx, from, to, relation)),
    });
}
