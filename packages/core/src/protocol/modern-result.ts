import type { Implementation } from '@modelcontextprotocol/server';
import { META } from './versions.js';

/** Methods whose modern-era results carry cache hints (SEP-2549). */
const CACHEABLE = new Set([
  'server/discover',
  'tools/list',
  'prompts/list',
  'resources/list',
  'resources/templates/list',
  'resources/read',
]);

/** The `_meta` that names the server in every modern-era result. */
export function identityMeta(serverInfo: Implementation): Readonly<Record<string, unknown>> {
  return Object.freeze({ [META.serverInfo]: serverInfo });
}

/**
 * Shapes a result for the modern era: an explicit `resultType`, cache hints (`ttlMs`,
 * `cacheScope`) on cacheable methods unless the handler set them, and the server's identity in
 * `_meta`.
 */
export function modernResult(
  method: string,
  result: Record<string, unknown>,
  identity: Readonly<Record<string, unknown>>,
  listTtlMs: number,
  resultType: 'complete' | 'input_required' | 'task' = 'complete',
): Record<string, unknown> {
  // One literal with every key up front, then the handler's keys: spreading into a fresh object
  // and adding keys afterwards made V8 fall back to slow objects, which then serialize slowly.
  const out: Record<string, unknown> = Object.assign({ resultType, _meta: identity }, result);
  out.resultType = resultType;
  // Object.assign onto a fresh literal stays a fast object; spreading both made V8 add keys slowly.
  if (result._meta !== undefined) out._meta = Object.assign({}, result._meta, identity);
  if (resultType === 'complete' && CACHEABLE.has(method)) {
    if (out.ttlMs === undefined) out.ttlMs = method === 'resources/read' ? 0 : listTtlMs;
    if (out.cacheScope === undefined) out.cacheScope = 'public';
  }
  return out;
}
