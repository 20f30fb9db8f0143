import type { Cache } from '@mcpkit/cache';
import type { Logger, McpkitServer } from '@mcpkit/core';
import * as z from 'zod';
import { staleRecallTags } from './memories/recall-tags.js';
import { DIGEST_URI, memoryUri, tagUri } from './resources/memory-resources.js';
import type { MemoryDatabase } from './storage/open-database.js';
import { CHANGE_CHANNEL } from './storage/schema.js';

const Change = z.object({
  tenant: z.string(),
  op: z.string(),
  ids: z.array(z.string()),
  tags: z.array(z.string()),
});

/** One change the triggers published. */
export type MemoryChange = z.output<typeof Change>;

/** A running change feed. */
export interface ChangeFeed {
  /** Changes received since start. */
  readonly received: number;
  stop(): Promise<void>;
}

/**
 * Follows the `LISTEN/NOTIFY` channel the triggers publish on, so a write through any instance
 * reaches this one: subscribers of `memory://{id}`, `memory://tags/{tag}` and the digest are told,
 * and this instance's cached recalls for the tenant and tags are voided.
 */
export async function startChangeFeed(options: {
  database: MemoryDatabase;
  server: McpkitServer;
  cache: Cache;
  logger: Logger;
  onChange?: (change: MemoryChange) => void;
}): Promise<ChangeFeed> {
  let received = 0;
  const stop = await options.database.listen(CHANGE_CHANNEL, (payload) => {
    let change: MemoryChange;
    try {
      change = Change.parse(JSON.parse(payload));
    } catch (error) {
      options.logger.warn({ err: error }, 'ignored a malformed change notification');
      return;
    }
    received++;
    for (const id of change.ids) options.server.notifyResourceUpdated(memoryUri(id));
    for (const tag of change.tags) options.server.notifyResourceUpdated(tagUri(tag));
    options.server.notifyResourceUpdated(DIGEST_URI);
    options.cache.invalidateTags(staleRecallTags(change.tenant, change.tags)).catch((error: unknown) => {
      options.logger.warn({ err: error }, 'could not void cached recalls after a change');
    });
    options.onChange?.(change);
  });
  return {
    get received() {
      return received;
    },
    stop,
  };
}
