import { McpkitError, type ServerBuilder } from '@mcpkit/core';
import * as z from 'zod';
import type { MemoryService } from '../memories/memory-service.js';
import { insertMemory } from '../memories/memory-store.js';
import { invalidateRecalls, NewMemoryInput } from './write-tools.js';

/** Most items one `import_memories` call takes. */
export const MAX_IMPORT_ITEMS = 2_000;
/** Items embedded and committed together. */
export const IMPORT_BATCH = 100;

/**
 * Registers `import_memories`: a bulk import, idempotent on each item's `clientKey`, that runs as
 * a task (SEP-2663) when the client supports tasks and as a plain call otherwise. Each batch of
 * {@link IMPORT_BATCH} is embedded, then committed in its own transaction, and reported as progress
 * (the task's status message); a cancel stops before the next batch, keeping the batches already
 * committed — sending the same items again finishes the import, skipping what exists.
 */
export function importTool(builder: ServerBuilder, service: MemoryService): ServerBuilder {
  return builder.tool('import_memories', {
    description: `Stores up to ${MAX_IMPORT_ITEMS} memories, embedded and committed in batches of ${IMPORT_BATCH}; runs as a task when your client supports tasks. Each item needs a clientKey: importing the same items again skips what exists, so an interrupted import is finished by sending it again.`,
    input: z.object({
      items: z
        .array(NewMemoryInput.extend({ clientKey: z.string().min(1).max(200) }))
        .min(1)
        .max(MAX_IMPORT_ITEMS),
    }),
    output: z.object({
      imported: z.number(),
      skipped: z.number(),
      ids: z.array(z.object({ clientKey: z.string(), id: z.string(), created: z.boolean() })),
      degraded: z.string().optional(),
    }),
    annotations: { idempotentHint: true, destructiveHint: false, openWorldHint: false },
    taskSupport: 'optional',
    handler: async ({ items }, ctx) => {
      const keys = new Set(items.map((item) => item.clientKey));
      if (keys.size !== items.length) {
        throw new McpkitError('VALIDATION_FAILED', 'Two items share a clientKey.', {
          hint: 'Give each item its own clientKey.',
        });
      }
      const ids: Array<{ clientKey: string; id: string; created: boolean }> = [];
      let degraded: string | undefined;
      for (let start = 0; start < items.length; start += IMPORT_BATCH) {
        ctx.signal.throwIfAborted();
        const batch = items.slice(start, start + IMPORT_BATCH);
        const outcome = await service.embed(
          batch.map((item) => item.content),
          ctx,
        );
        // An embedding cut short by the cancel must not be stored as "no vector".
        ctx.signal.throwIfAborted();
        degraded ??= outcome.degraded;
        const { tenant, written } = await service.inTenantOf(ctx, async (trx, tenant) => {
          const written: Array<{ clientKey: string; id: string; created: boolean; tags: string[] }> = [];
          for (const [i, item] of batch.entries()) {
            const { memory, created } = await insertMemory(
              trx,
              item,
              outcome.vectors?.[i] ?? null,
              service.database.vector,
            );
            written.push({ clientKey: item.clientKey, id: memory.id, created, tags: memory.tags });
          }
          return { tenant, written };
        });
        await invalidateRecalls(
          ctx,
          tenant,
          written.flatMap((entry) => entry.tags),
        );
        for (const { clientKey, id, created } of written) ids.push({ clientKey, id, created });
        ctx.progress(ids.length, items.length, `stored ${ids.length} of ${items.length}`);
      }
      const imported = ids.filter((entry) => entry.created).length;
      return { imported, skipped: ids.length - imported, ids, ...(degraded ? { degraded } : {}) };
    },
  });
}
