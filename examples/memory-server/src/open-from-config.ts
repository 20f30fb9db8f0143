import { apiKey, createJsonlFileSink, hashApiKey } from '@mcpkit/middleware';
import { createRedisTaskStore, type RedisTaskStore } from '@mcpkit/redis';
import { Redis } from 'ioredis';
import type { MemoryConfig } from './config.js';
import type { EmbeddingProvider } from './embeddings/embedding-provider.js';
import { createHashingEmbedding } from './embeddings/hashing-embedding.js';
import { createOpenAIEmbedding, type OpenAIEmbedding } from './embeddings/openai-embedding.js';
import { createRecallCache } from './recall-cache.js';
import { createMemoryServer, type MemoryServer } from './server.js';
import { type MemoryDatabase, openDatabase } from './storage/open-database.js';

/** A memory server opened from the environment, with the database it owns. */
export interface ConfiguredMemoryServer {
  readonly memory: MemoryServer;
  readonly database: MemoryDatabase;
  /** Stops the feed, closes the database and the Redis connection, if any. */
  close(): Promise<void>;
}

/** Parses `MEMORY_API_KEYS` (`tenant:key,tenant:key`) into API-key auth; the tenant is each key's subject and claim. */
export function apiKeysFromConfig(value: string) {
  const keys = value.split(',').map((pair) => {
    const at = pair.indexOf(':');
    const tenant = pair.slice(0, at).trim();
    const key = pair.slice(at + 1).trim();
    if (at <= 0 || key === '')
      throw new Error('MEMORY_API_KEYS must be tenant:key pairs separated by commas.');
    return { hash: hashApiKey(key), subject: tenant, claims: { tenant } };
  });
  return apiKey({ keys });
}

/** Opens PostgreSQL (`DATABASE_URL`) or PGlite, picks the embedding provider and builds the server. */
export async function openFromConfig(config: MemoryConfig): Promise<ConfiguredMemoryServer> {
  const database = await openDatabase({
    ...(config.DATABASE_URL ? { url: config.DATABASE_URL } : {}),
    ...(config.PGLITE_DATA_DIR ? { pgliteDataDir: config.PGLITE_DATA_DIR } : {}),
    poolMax: config.DB_POOL_MAX,
    statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
    poolWaitMs: config.DB_POOL_WAIT_MS,
    dimensions: config.EMBEDDING_DIMENSIONS,
    vector: config.PGVECTOR,
  });
  // Fast failure while Redis is away: the tiered cache then answers from its in-process layer.
  const redis = config.REDIS_URL
    ? new Redis(config.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false })
    : undefined;
  // With Redis, import tasks live there too: a client polling through another instance behind the
  // load balancer finds its task, and a cancel there reaches the instance running it.
  const taskStore: RedisTaskStore | undefined = redis
    ? createRedisTaskStore({ client: redis, prefix: 'mcpkit-memory:task:' })
    : undefined;
  try {
    const embeddings: EmbeddingProvider | OpenAIEmbedding = config.EMBEDDINGS_URL
      ? createOpenAIEmbedding({
          baseUrl: config.EMBEDDINGS_URL,
          model: config.EMBEDDINGS_MODEL,
          dimensions: config.EMBEDDING_DIMENSIONS,
          ...(config.EMBEDDINGS_API_KEY ? { apiKey: config.EMBEDDINGS_API_KEY } : {}),
        })
      : createHashingEmbedding({ dimensions: config.EMBEDDING_DIMENSIONS });
    const memory = await createMemoryServer({
      database,
      embeddings,
      recallCacheTtlMs: config.RECALL_CACHE_TTL_MS,
      cache: createRecallCache(redis ? { redis } : {}),
      ...(taskStore ? { tasks: { store: taskStore } } : {}),
      ...(config.RECALL_CURSOR_SECRET ? { cursorSecret: config.RECALL_CURSOR_SECRET } : {}),
      healthTimeoutMs: config.DB_HEALTH_TIMEOUT_MS,
      ...(config.MEMORY_API_KEYS ? { auth: apiKeysFromConfig(config.MEMORY_API_KEYS) } : {}),
      ...(config.MEMORY_AUDIT_PATH
        ? { audit: { sink: createJsonlFileSink({ path: config.MEMORY_AUDIT_PATH }) } }
        : {}),
    });
    return {
      memory,
      database,
      async close() {
        await memory.close();
        await memory.cache.close();
        await taskStore?.close();
        await database.close();
        redis?.disconnect();
      },
    };
  } catch (error) {
    await taskStore?.close();
    await database.close();
    redis?.disconnect();
    throw error;
  }
}
