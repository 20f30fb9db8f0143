import type { EmbeddingProvider } from './embedding-provider.js';

/** Options of {@link createHashingEmbedding}. */
export interface HashingEmbeddingOptions {
  /** Vector length. Default: 256. */
  dimensions?: number;
}

// Words too common to tell memories apart; they would only add noise to every vector.
const STOPWORDS = new Set(
  'a an and are as at be but by do does for from has have how i in is it its of on or our so that the their there this to was we were what when where which who why will with you your'.split(
    ' ',
  ),
);

/** 32-bit FNV-1a of a string. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Lower-cased words without diacritics or stopwords. */
export function embeddingWords(text: string): string[] {
  const folded = text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase();
  return (folded.match(/[\p{L}\p{N}]+/gu) ?? []).filter((word) => !STOPWORDS.has(word));
}

/**
 * A deterministic, offline embedding: the "hashing trick" over each word, its first five letters
 * and its character trigrams, signed and L2-normalised. It is not a language model: it knows no
 * synonyms. What it adds over full-text search is tolerance of typos, inflections and partial
 * words (shared trigrams) and a graded similarity where full text has only match / no match.
 * Same text, same vector, on every machine: nothing is downloaded.
 */
export function createHashingEmbedding(options: HashingEmbeddingOptions = {}): EmbeddingProvider {
  const dimensions = options.dimensions ?? 256;
  const add = (vector: Float64Array, feature: string, weight: number) => {
    const hash = fnv1a(feature);
    // The top bit picks the sign, so collisions cancel on average instead of piling up.
    const index = hash % dimensions;
    vector[index] = (vector[index] ?? 0) + (hash & 0x80000000 ? -weight : weight);
  };
  const embedOne = (text: string): number[] => {
    const vector = new Float64Array(dimensions);
    for (const word of embeddingWords(text)) {
      add(vector, `w:${word}`, 1);
      if (word.length > 5) add(vector, `p:${word.slice(0, 5)}`, 0.7);
      const padded = `^${word}$`;
      const grams = padded.length - 2;
      for (let i = 0; i < grams; i++) add(vector, `t:${padded.slice(i, i + 3)}`, 1 / Math.sqrt(grams));
    }
    let norm = 0;
    for (const value of vector) norm += value * value;
    norm = Math.sqrt(norm);
    return Array.from(vector, (value) => (norm === 0 ? 0 : value / norm));
  };
  return {
    name: `hashing-trigram-v1 (${dimensions} dimensions, offline, not semantic)`,
    dimensions,
    embed: async (texts) => texts.map(embedOne),
  };
}
