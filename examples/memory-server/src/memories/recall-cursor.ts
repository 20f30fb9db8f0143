import { createHash } from 'node:crypto';
import { McpkitError } from '@mcpkit/core';

// A local cursor for `recall` until core has pagination helpers of its own: an offset into one
// query's ranking, bound to a fingerprint of that query so a cursor cannot be replayed elsewhere.

/** Deepest offset a cursor may reach; past it the caller should narrow the query. */
export const MAX_RECALL_DEPTH = 1_000;

/** A fingerprint of everything that decides a ranking (not the cursor itself). */
export function recallFingerprint(query: unknown): string {
  return createHash('sha256').update(JSON.stringify(query)).digest('base64url').slice(0, 16);
}

/** Encodes the offset of the next page of the query with `fingerprint`. */
export function encodeRecallCursor(offset: number, fingerprint: string): string {
  return Buffer.from(JSON.stringify({ o: offset, f: fingerprint })).toString('base64url');
}

/** Decodes a cursor of {@link encodeRecallCursor}; refuses one that is malformed, too deep or from another query. */
export function decodeRecallCursor(cursor: string, fingerprint: string): number {
  let parsed: unknown;
  try {
    parsed = cursor.length <= 200 ? JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) : undefined;
  } catch {
    parsed = undefined;
  }
  const { o, f } = (parsed ?? {}) as { o?: unknown; f?: unknown };
  if (typeof o !== 'number' || !Number.isInteger(o) || o < 0 || o > MAX_RECALL_DEPTH || f !== fingerprint) {
    throw new McpkitError('VALIDATION_FAILED', 'That cursor is not one this query returned.', {
      hint: 'Pass the nextCursor of the previous recall with the same query, tags and dates, or no cursor for the first page.',
    });
  }
  return o;
}
