import type { BaseContext } from '@mcpkit/core';

/** Turns texts into vectors of a fixed size. The server stores and searches them with pgvector. */
export interface EmbeddingProvider {
  /** What the vectors are (`hashing-trigram-v1`, `openai:text-embedding-3-small`, …); shown in readiness. */
  readonly name: string;
  /** Length of every vector. */
  readonly dimensions: number;
  /** One vector per text, in order. Rejects with a coded error when the provider cannot answer. */
  embed(texts: readonly string[], ctx?: BaseContext): Promise<number[][]>;
  /** `open` while the provider is known to be failing (a breaker): search then uses full text alone. */
  readonly state?: () => 'ok' | 'open';
}
