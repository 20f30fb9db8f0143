import { type BaseContext, McpkitError } from '@mcpkit/core';
import type { EmbeddingProvider } from '../embeddings/embedding-provider.js';
import { inTenant, type TenantTransaction } from '../storage/in-tenant.js';
import type { MemoryDatabase } from '../storage/open-database.js';
import type { SearchMode } from './hybrid-search.js';

/** Options of {@link createMemoryService}. */
export interface MemoryServiceOptions {
  database: MemoryDatabase;
  embeddings: EmbeddingProvider;
  /** Tenant of calls without an identity (a local, unauthenticated server). Default: none: such calls are refused. */
  anonymousTenant?: string;
}

/** Vectors for some texts, or why there are none (search then uses full text alone). */
export interface EmbeddingOutcome {
  vectors: number[][] | null;
  degraded?: string;
}

/** What every tool, resource and prompt shares: the database, the tenant of a call, embeddings. */
export interface MemoryService {
  readonly database: MemoryDatabase;
  readonly embeddings: EmbeddingProvider;
  /** The tenant of a request: the `tenant` claim, else the auth subject, else the anonymous tenant. */
  tenantOf(ctx: BaseContext): string;
  /** Runs `work` in a transaction scoped to the caller's tenant. */
  inTenantOf<T>(ctx: BaseContext, work: (trx: TenantTransaction, tenant: string) => Promise<T>): Promise<T>;
  /** Embeds texts when vector search is possible; never throws for a provider outage. */
  embed(texts: readonly string[], ctx?: BaseContext): Promise<EmbeddingOutcome>;
  /** What `recall` can do right now, and why not more. */
  searchStatus(): { mode: SearchMode; reason?: string };
}

/** Builds the {@link MemoryService}. */
export function createMemoryService(options: MemoryServiceOptions): MemoryService {
  const { database, embeddings } = options;
  if (database.vector && embeddings.dimensions !== database.dimensions) {
    throw new McpkitError(
      'VALIDATION_FAILED',
      `The embedding provider makes ${embeddings.dimensions}-dimension vectors; the database holds ${database.dimensions}.`,
      { hint: 'Set EMBEDDING_DIMENSIONS to the size the database was created with.' },
    );
  }
  const tenantOf = (ctx: BaseContext): string => {
    const claim = ctx.auth?.claims?.tenant;
    if (typeof claim === 'string' && claim !== '') return claim;
    if (ctx.auth?.subject) return ctx.auth.subject;
    if (options.anonymousTenant) return options.anonymousTenant;
    throw new McpkitError('UNAUTHORIZED', 'This server needs an authenticated caller.', {
      hint: 'Send an API key (x-api-key or Authorization: Bearer).',
    });
  };
  const searchStatus = (): { mode: SearchMode; reason?: string } => {
    if (!database.vector) {
      return {
        mode: 'fulltext',
        reason: `${database.vectorUnavailable ?? 'no pgvector'}: ranking by full text alone`,
      };
    }
    if (embeddings.state?.() === 'open') {
      return {
        mode: 'fulltext',
        reason: 'the embedding provider is failing (breaker open): ranking by full text alone',
      };
    }
    return { mode: 'hybrid' };
  };
  return {
    database,
    embeddings,
    tenantOf,
    inTenantOf: (ctx, work) => {
      const tenant = tenantOf(ctx);
      return inTenant(database, tenant, (trx) => work(trx, tenant));
    },
    searchStatus,
    async embed(texts, ctx) {
      const status = searchStatus();
      if (status.mode === 'fulltext')
        return { vectors: null, ...(status.reason ? { degraded: status.reason } : {}) };
      try {
        return { vectors: await embeddings.embed(texts, ctx) };
      } catch (error) {
        ctx?.logger.warn(
          { err: error, provider: embeddings.name },
          'embedding failed; full text only for this call',
        );
        const code = error instanceof McpkitError ? error.code : 'INTERNAL';
        return {
          vectors: null,
          degraded: `the embedding provider failed (${code}): ranking by full text alone`,
        };
      }
    },
  };
}
