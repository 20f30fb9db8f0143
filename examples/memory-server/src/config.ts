import { defineConfig, secret } from '@mcpkit/core';
import * as z from 'zod';

/** The environment the memory server reads once at start-up (see the README's table). */
export const memoryConfigSchema = z
  .object({
    /** PostgreSQL connection string; absent → the embedded PGlite database. */
    DATABASE_URL: secret(z.string().url()).optional(),
    /** Folder PGlite keeps its files in; absent → in memory (gone when the process ends). */
    PGLITE_DATA_DIR: z.string().min(1).optional(),
    /** Largest number of PostgreSQL connections in the pool. */
    DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
    /** Longest wait for a free pooled connection before a call fails with a retryable UPSTREAM_TIMEOUT. */
    DB_POOL_WAIT_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
    /** Deadline of each statement, applied per transaction (`SET LOCAL statement_timeout`). */
    DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
    /** `auto`: vector search where the server has pgvector; `off`: full text alone (decided when a database is first set up). */
    PGVECTOR: z.enum(['auto', 'off']).default('auto'),
    /** How long the readiness probe's `select 1` may take before the database counts as down. */
    DB_HEALTH_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(1_000),
    /** Base URL of an OpenAI-compatible embeddings API (`…/v1`); absent → the offline hashing embedding. */
    EMBEDDINGS_URL: z.string().url().optional(),
    /** Bearer token for `EMBEDDINGS_URL`. */
    EMBEDDINGS_API_KEY: secret(z.string().min(1)).optional(),
    /** Model name sent to `EMBEDDINGS_URL`. */
    EMBEDDINGS_MODEL: z.string().min(1).default('text-embedding-3-small'),
    /** Vector size; the `embedding` column is created with it. */
    EMBEDDING_DIMENSIONS: z.coerce.number().int().min(8).max(2_000).default(256),
    /** API keys as `tenant:key` pairs, comma-separated; absent → no auth, one tenant named `local`. */
    MEMORY_API_KEYS: secret(z.string().min(1)).optional(),
    /** File the audit trail of tool calls (deletes included) is appended to, as JSON lines; absent → no audit. */
    MEMORY_AUDIT_PATH: z.string().min(1).optional(),
    /** How long a `recall` result stays cached (writes invalidate it sooner). */
    RECALL_CACHE_TTL_MS: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
    /** Redis for the recall cache's shared layer (L2) and its invalidation bus; absent → in process only. */
    REDIS_URL: secret(z.string().url()).optional(),
    /**
     * Key that signs recall cursors (16+ characters). Required with `REDIS_URL`: cached pages carry
     * cursors that any instance may be handed back. Absent without it → random per process.
     */
    RECALL_CURSOR_SECRET: secret(z.string().min(16)).optional(),
  })
  .superRefine((config, issues) => {
    if (config.REDIS_URL && !config.RECALL_CURSOR_SECRET) {
      issues.addIssue({
        code: 'custom',
        path: ['RECALL_CURSOR_SECRET'],
        message:
          'required with REDIS_URL: cached recall pages carry cursors every instance must accept (e.g. `openssl rand -base64 32`, the same on every instance)',
      });
    }
  });

/** The parsed configuration. */
export type MemoryConfig = z.output<typeof memoryConfigSchema>;

/** Reads and validates the configuration; exits with every problem listed unless `exit` is false. */
export function loadMemoryConfig(
  options: { env?: Record<string, string | undefined>; exit?: boolean } = {},
): MemoryConfig {
  return defineConfig(memoryConfigSchema, { env: options.env ?? process.env, exit: options.exit ?? true });
}
