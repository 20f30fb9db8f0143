import type { Implementation } from '@modelcontextprotocol/server';
import { META } from './protocol.js';

/** Methods whose modern-era results carry cache hints (SEP-2549). */
const CACHEABLE = new Set([
  'server/discover',
  'tools/list',
  'prompts/list',
  'resources/list',
  'resources/templates/list',
  'resources/read',
]);

/**
 * Shapes a result for the modern era: an explicit `resultType`, cache hints (`ttlMs`,
 * `cacheScope`) on cacheable methods unless the handler set them, and the server's identity in
 * `_meta`.
 */
export function modernResult(
  method: string,
  result: Record<string, unknown>,
  serverInfo: Implementation,
  listTtlMs: number,
  resultType: 'complete' | 'input_required' = 'complete',
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...result, resultType };
  if (resultType === 'complete' && CACHEABLE.has(method)) {
    if (out.ttlMs === undefined) out.ttlMs = method === 'resources/read' ? 0 : listTtlMs;
    if (out.cacheScope === undefined) out.cacheScope = 'public';
  }
  out._meta = { ...(out._meta as Record<string, unknown> | undefined), [META.serverInfo]: serverInfo };
  return out;
}
