import { secret } from '@mcpkit/core';
import * as z from 'zod';
import { parseAllowList } from './allow-list.js';

/** Environment variables of the database provider (PostgreSQL, read-only queries). */
export const databaseConfig = z.object({
  DATABASE_URL: secret(z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// connection string')),
  /**
   * Tables (and columns) the tools may read, e.g. `customers(id,name,email);orders` — a table
   * without a column list may be read whole.
   */
  DATABASE_TABLES: z.string().transform((value, ctx) => {
    try {
      return parseAllowList(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  }),
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case schema name')
    .default('public'),
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(10).max(60_000).default(2_000),
  DATABASE_ROW_CAP: z.coerce.number().int().min(1).max(10_000).default(500),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(5),
});

/** The validated database configuration. */
export type DatabaseConfig = z.output<typeof databaseConfig>;
