import type { ServerBuilder } from '@mcpkit/core';
import * as z from 'zod';
import type { MemoryService } from '../memories/memory-service.js';
import { listTags } from '../memories/memory-store.js';

/** Registers `list_tags`: the tags in use and how many memories carry each. */
export function listTagsTool(builder: ServerBuilder, service: MemoryService): ServerBuilder {
  return builder.tool('list_tags', {
    description: 'Lists the tags on your memories with their counts, most used first.',
    input: z.object({
      prefix: z.string().trim().toLowerCase().max(64).optional().describe('Only tags starting with this'),
      limit: z.number().int().min(1).max(200).default(50),
    }),
    output: z.object({ tags: z.array(z.object({ tag: z.string(), count: z.number(), uri: z.string() })) }),
    annotations: { readOnlyHint: true, openWorldHint: false },
    handler: async ({ prefix, limit }, ctx) => {
      const tags = await service.inTenantOf(ctx, (trx) => listTags(trx, { prefix, limit }));
      return {
        tags: tags.map((entry) => ({ ...entry, uri: `memory://tags/${encodeURIComponent(entry.tag)}` })),
      };
    },
  });
}
