import { McpkitError } from '@mcpkit/core';
import { createUpstream, type Upstream, type UpstreamOptions } from '@mcpkit/resilience';
import * as z from 'zod';
import type { EmbeddingProvider } from './embedding-provider.js';

/** Options of {@link createOpenAIEmbedding}. */
export interface OpenAIEmbeddingOptions {
  /** Base URL of the API, up to and including `/v1`. */
  baseUrl: string;
  /** Bearer token; absent → no `Authorization` header (a local server). */
  apiKey?: string;
  /** Model name. Default: `text-embedding-3-small`. */
  model?: string;
  /** Vector length asked for (`dimensions`) and required of every answer. Default: 256. */
  dimensions?: number;
  /** Upstream policies (deadlines, retries, breaker); merged over this provider's defaults. */
  upstream?: Omit<UpstreamOptions, 'baseUrl' | 'auth'>;
}

const EmbeddingsResponse = z.object({
  data: z.array(z.object({ index: z.number().int().min(0), embedding: z.array(z.number()) })),
});

/** An embedding provider that is also the `embeddings` upstream plugin (install it with `.use()`). */
export type OpenAIEmbedding = EmbeddingProvider & { readonly upstream: Upstream };

/**
 * Embeddings from an OpenAI-compatible `POST /embeddings` endpoint, through `createUpstream()`:
 * per-attempt and per-call deadlines, retries, and a consecutive-failure breaker whose open state
 * the search reads to fall back to full text. The readiness check of the upstream is left off:
 * an embedding outage degrades search, it does not take the server out of rotation.
 */
export function createOpenAIEmbedding(options: OpenAIEmbeddingOptions): OpenAIEmbedding {
  const dimensions = options.dimensions ?? 256;
  const model = options.model ?? 'text-embedding-3-small';
  const upstream = createUpstream('embeddings', {
    attemptTimeoutMs: 5_000,
    deadlineMs: 15_000,
    breaker: { kind: 'consecutive', failures: 3, halfOpenAfterMs: 15_000 },
    healthCheck: false,
    ...options.upstream,
    baseUrl: options.baseUrl,
    ...(options.apiKey ? { auth: { type: 'bearer' as const, token: options.apiKey } } : {}),
  });
  return {
    name: `openai-compatible:${model}`,
    dimensions,
    upstream,
    state: () => (upstream.breakerState === 'open' || upstream.breakerState === 'isolated' ? 'open' : 'ok'),
    async embed(texts, ctx) {
      if (texts.length === 0) return [];
      // Embeddings of the same input are the same: a retried POST is safe, so send a key.
      const body = await upstream.post('/embeddings', {
        ...(ctx ? { ctx } : {}),
        json: { model, input: texts, dimensions },
        idempotencyKey: true,
        schema: EmbeddingsResponse,
      });
      const vectors: number[][] = new Array(texts.length);
      for (const item of body.data) vectors[item.index] = item.embedding;
      for (let i = 0; i < texts.length; i++) {
        if (vectors[i]?.length !== dimensions) {
          throw new McpkitError(
            'UPSTREAM_ERROR',
            `The embedding provider answered without a ${dimensions}-dimension vector for input ${i}.`,
            {
              hint: 'Check EMBEDDINGS_MODEL supports the `dimensions` parameter, or set EMBEDDING_DIMENSIONS to its size.',
            },
          );
        }
      }
      return vectors;
    },
  };
}
