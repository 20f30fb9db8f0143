import { McpkitError, type ServerBuilder } from '@mcpkit/core';
import type { MemoryService } from '../memories/memory-service.js';
import {
  completeIds,
  digestOf,
  findMemory,
  linksOf,
  listTags,
  memoriesTagged,
} from '../memories/memory-store.js';

/** URI of the digest resource. */
export const DIGEST_URI = 'memory://digest';

/** URI of one memory. */
export function memoryUri(id: string): string {
  return `memory://${id}`;
}

/** URI of the memories carrying `tag`. */
export function tagUri(tag: string): string {
  return `memory://tags/${encodeURIComponent(tag)}`;
}

const json = (value: unknown) => ({ text: JSON.stringify(value, null, 2), mimeType: 'application/json' });

/**
 * Registers `memory://digest`, `memory://{id}` and `memory://tags/{tag}` (templates completing
 * ids and tags). Each answers for the caller's tenant only; subscribers hear of changes through
 * the change feed.
 */
export function memoryResources(builder: ServerBuilder, service: MemoryService): ServerBuilder {
  return builder
    .resource(DIGEST_URI, {
      name: 'digest',
      title: 'Memory digest',
      description: 'How many memories you have, the most used tags, the newest and the most important ones.',
      mimeType: 'application/json',
      read: async (_uri, ctx) => json(await service.inTenantOf(ctx, (trx) => digestOf(trx))),
    })
    .resource('memory://tags/{tag}', {
      name: 'memories-by-tag',
      title: 'Memories with a tag',
      description: 'The 100 newest memories carrying the tag.',
      mimeType: 'application/json',
      read: async (_uri, { tag }, ctx) => {
        const name = decodeURIComponent(tag);
        const memories = await service.inTenantOf(ctx, (trx) => memoriesTagged(trx, name, 100));
        return json({ tag: name, memories });
      },
      complete: {
        tag: async (value, { ctx }) =>
          (
            await service.inTenantOf(ctx, (trx) => listTags(trx, { prefix: value.toLowerCase(), limit: 20 }))
          ).map((entry) => entry.tag),
      },
    })
    .resource('memory://{id}', {
      name: 'memory',
      title: 'One memory',
      description: 'A memory with its tags, source, importance and links.',
      mimeType: 'application/json',
      read: async (_uri, { id }, ctx) => {
        const found = await service.inTenantOf(ctx, async (trx) => {
          const memory = await findMemory(trx, id);
          return memory ? { ...memory, links: await linksOf(trx, memory.id) } : undefined;
        });
        if (!found) {
          throw new McpkitError('NOT_FOUND', `No memory ${id}.`, { hint: 'Use recall to find memory ids.' });
        }
        return json(found);
      },
      complete: {
        id: (value, { ctx }) => service.inTenantOf(ctx, (trx) => completeIds(trx, value, 20)),
      },
    });
}
