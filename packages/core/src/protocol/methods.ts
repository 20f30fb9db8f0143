// Which methods each protocol era has, and what a request names: facts of the wire, not of the engine.

/** Methods of the legacy era that the modern era removed (answered -32601, HTTP 404). */
export const REMOVED_IN_MODERN: ReadonlySet<string> = new Set([
  'initialize',
  'ping',
  'logging/setLevel',
  'resources/subscribe',
  'resources/unsubscribe',
]);
/** Methods only the modern era has. */
export const MODERN_ONLY: ReadonlySet<string> = new Set(['server/discover', 'subscriptions/listen']);
/** Methods whose modern-era calls may take several `input_required` rounds. */
export const MULTI_ROUND: ReadonlySet<string> = new Set(['tools/call', 'prompts/get', 'resources/read']);

/** What a request names: the tool or prompt name, or the resource URI. */
export function targetName(method: string, params: Record<string, unknown>): string | undefined {
  if (method === 'tools/call' || method === 'prompts/get')
    return typeof params.name === 'string' ? params.name : undefined;
  if (method === 'resources/read' || method === 'resources/subscribe' || method === 'resources/unsubscribe') {
    return typeof params.uri === 'string' ? params.uri : undefined;
  }
  return undefined;
}
