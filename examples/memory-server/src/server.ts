import { type Cache, createCache } from '@mcpkit/cache';
import {
  createCursorPagination,
  createServer,
  type McpkitServer,
  type Plugin,
  type ServerBuilder,
  type TasksOptions,
} from '@mcpkit/core';
import { type AuditOptions, type AuditRecord, consent, production } from '@mcpkit/middleware';
import { type ChangeFeed, type MemoryChange, startChangeFeed } from './change-feed.js';
import type { EmbeddingProvider } from './embeddings/embedding-provider.js';
import { createHashingEmbedding } from './embeddings/hashing-embedding.js';
import type { OpenAIEmbedding } from './embeddings/openai-embedding.js';
import { createMemoryService, type MemoryService } from './memories/memory-service.js';
import { memoryPrompts } from './prompts/memory-prompts.js';
import { memoryResources } from './resources/memory-resources.js';
import type { MemoryDatabase } from './storage/open-database.js';
import { importTool } from './tools/import-tool.js';
import { listTagsTool } from './tools/list-tags-tool.js';
import { recallTool } from './tools/recall-tool.js';
import { writeTools } from './tools/write-tools.js';

function isUpstreamBacked(provider: EmbeddingProvider | OpenAIEmbedding): provider is OpenAIEmbedding {
  return 'upstream' in provider && provider.upstream !== undefined;
}

/** Options of {@link createMemoryServer}. */
export interface MemoryServerOptions<T = AuditRecord> {
  /** The open database (see `openDatabase`); several instances may share one. Not closed by `close()`. */
  database: MemoryDatabase;
  /** Embedding provider. Default: the offline hashing embedding, sized to the database. */
  embeddings?: EmbeddingProvider | OpenAIEmbedding;
  /** Auth plugin (`apiKey(...)`, `jwt(...)`); the tenant is its `tenant` claim or subject. Default: none. */
  auth?: Plugin;
  /** Tenant of unauthenticated calls. Default: `local` without `auth`, none with it. */
  anonymousTenant?: string;
  /** The recall cache. Default: `createCache()` (in process). */
  cache?: Cache;
  /** How long a recall stays cached, in ms. Default: 30 000. */
  recallCacheTtlMs?: number;
  /**
   * Key that signs `recall` cursors (at least 16 bytes). Every instance serving the same clients —
   * and every instance sharing a cache, whose cached pages carry cursors — must use the same one.
   * Default: 32 random bytes made per process, right for one instance with an in-process cache.
   */
  cursorSecret?: string;
  /** Audit trail of tool calls (deletes included). Default: off. */
  audit?: AuditOptions<T>;
  /** Longest wait of the readiness probe's `select 1`, in ms. Default: 1 000. */
  healthTimeoutMs?: number;
  /** Where `import_memories` tasks live and how long they are kept. Default: in process, kept an hour. */
  tasks?: TasksOptions;
  /** Called for each change heard on the change feed (after subscribers are told). */
  onChange?: (change: MemoryChange) => void;
}

/** A built memory server with its change feed running. */
export interface MemoryServer {
  readonly server: McpkitServer;
  readonly service: MemoryService;
  readonly cache: Cache;
  readonly feed: ChangeFeed;
  /** Stops the change feed (the database stays open: it belongs to the caller). */
  close(): Promise<void>;
}

/** The builder with every tool, resource, prompt, middleware and readiness check, not yet built. */
export function defineMemoryServer<T = AuditRecord>(
  options: MemoryServerOptions<T> & { cache: Cache },
): {
  builder: ServerBuilder;
  service: MemoryService;
} {
  const embeddings =
    options.embeddings ?? createHashingEmbedding({ dimensions: options.database.dimensions || 256 });
  const anonymousTenant = options.anonymousTenant ?? (options.auth ? undefined : 'local');
  const service = createMemoryService({
    database: options.database,
    embeddings,
    ...(anonymousTenant ? { anonymousTenant } : {}),
  });
  const healthTimeoutMs = options.healthTimeoutMs ?? 1_000;
  let builder = createServer({
    name: 'mcpkit-memory',
    version: '0.1.0',
    ...(options.tasks ? { tasks: options.tasks } : {}),
  })
    .use(
      production<T>({
        ...(options.auth ? { auth: options.auth } : {}),
        ...(options.audit ? { audit: options.audit } : {}),
      }),
    )
    .use(options.cache)
    // forget is annotated destructiveHint: the user confirms through elicitation before it runs.
    .use(
      'tools/call',
      consent({
        message: (ctx) => `Forget memory ${String(ctx.arguments?.id ?? '')} for good? This cannot be undone.`,
      }),
    );
  if (isUpstreamBacked(embeddings)) builder = builder.use(embeddings.upstream);
  builder = builder
    .health('database', async () => {
      await options.database.ping(healthTimeoutMs);
      return {
        healthy: true,
        details: {
          kind: options.database.kind,
          pgvector: options.database.vector,
          ...(options.database.vectorUnavailable ? { noVector: options.database.vectorUnavailable } : {}),
          indexesUnderRls: options.database.indexesUnderRls,
          migrations: options.database.migrations.length,
          ...(options.database.poolStats() ? { pool: options.database.poolStats() } : {}),
        },
      };
    })
    .health('search', () => {
      const status = service.searchStatus();
      // A degraded search still answers (by full text): the instance stays in rotation and says why.
      return {
        healthy: true,
        details: {
          mode: status.mode,
          embeddings: embeddings.name,
          ...(status.reason ? { degraded: status.reason } : {}),
        },
      };
    });
  const cacheTtlMs = options.recallCacheTtlMs ?? 30_000;
  // A cursor outlives the cached page that carries it by an hour, whenever that page was cached.
  const pagination = createCursorPagination({
    ...(options.cursorSecret ? { secret: options.cursorSecret } : {}),
    ttlMs: 3_600_000 + cacheTtlMs,
  });
  builder = recallTool(builder, service, { cacheTtlMs, pagination });
  builder = writeTools(builder, service);
  builder = importTool(builder, service);
  builder = listTagsTool(builder, service);
  builder = memoryResources(builder, service);
  builder = memoryPrompts(builder, service);
  return { builder, service };
}

/** Builds the memory server and starts following the database's change feed. */
export async function createMemoryServer<T = AuditRecord>(
  options: MemoryServerOptions<T>,
): Promise<MemoryServer> {
  const cache = options.cache ?? createCache();
  const { builder, service } = defineMemoryServer({ ...options, cache });
  const server = builder.build();
  const feed = await startChangeFeed({
    database: options.database,
    server,
    cache,
    logger: server.logger,
    ...(options.onChange ? { onChange: options.onChange } : {}),
  });
  return { server, service, cache, feed, close: () => feed.stop() };
}
