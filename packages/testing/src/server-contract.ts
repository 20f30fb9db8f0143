import type { McpkitServer, ServerBuilder } from '@mcpkit/core';
import { createTestClient, type TestClient } from './test-client.js';

/** A JSON value as a contract holds it. */
export type ContractValue =
  | null
  | boolean
  | number
  | string
  | ContractValue[]
  | { [key: string]: ContractValue };

/** The public surface of a server, keyed by name (tools, prompts) or URI (resources, templates). */
export interface ServerContract {
  tools: Record<string, { [key: string]: ContractValue }>;
  resources: Record<string, { [key: string]: ContractValue }>;
  resourceTemplates: Record<string, { [key: string]: ContractValue }>;
  prompts: Record<string, { [key: string]: ContractValue }>;
}

/** The fields of each listed item that belong to the contract; `_meta`, icons and the like do not. */
const TOOL_FIELDS = ['title', 'description', 'inputSchema', 'outputSchema', 'annotations', 'execution'];
const RESOURCE_FIELDS = ['name', 'title', 'description', 'mimeType'];
const PROMPT_FIELDS = ['title', 'description', 'arguments'];

/** Lists in JSON Schema whose order carries no meaning, so they are sorted. */
const UNORDERED = new Set(['required', 'type']);

/** Sorts object keys (and the order-free lists of a schema) all the way down. */
function canonical(value: unknown, key?: string): ContractValue {
  if (Array.isArray(value)) {
    const items = value.map((item) => canonical(item));
    if (key && UNORDERED.has(key) && items.every((item) => typeof item === 'string')) {
      return [...(items as string[])].sort();
    }
    return items;
  }
  if (value !== null && typeof value === 'object') {
    const out: { [key: string]: ContractValue } = {};
    for (const name of Object.keys(value).sort()) {
      const field = (value as Record<string, unknown>)[name];
      if (field !== undefined) out[name] = canonical(field, name);
    }
    return out;
  }
  if (value === undefined) return null;
  return value as ContractValue;
}

function pick(item: Record<string, unknown>, fields: readonly string[]): { [key: string]: ContractValue } {
  const out: { [key: string]: ContractValue } = {};
  for (const field of fields) if (item[field] !== undefined) out[field] = canonical(item[field], field);
  return out;
}

function keyed<T extends Record<string, unknown>>(
  items: readonly T[],
  key: string,
  fields: readonly string[],
  adjust?: (item: { [key: string]: ContractValue }) => void,
): Record<string, { [key: string]: ContractValue }> {
  const out: Record<string, { [key: string]: ContractValue }> = {};
  for (const item of [...items].sort((a, b) => String(a[key]).localeCompare(String(b[key])))) {
    const entry = pick(item, fields);
    adjust?.(entry);
    out[String(item[key])] = entry;
  }
  return out;
}

/** Follows `nextCursor` until a listing ends. */
async function all<T>(
  list: (cursor?: string) => Promise<{ nextCursor?: string } & Record<string, unknown>>,
  field: string,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 1_000; page++) {
    const result = await list(cursor);
    items.push(...((result[field] as T[] | undefined) ?? []));
    cursor = result.nextCursor;
    if (!cursor) break;
  }
  return items;
}

function isTestClient(target: McpkitServer | ServerBuilder | TestClient): target is TestClient {
  return 'listTools' in target && 'client' in target;
}

/**
 * Reads a server's public surface through a real client (modern era, in process): tools with
 * their schemas and annotations, resources, resource templates and prompts, in a canonical form
 * (keys sorted, items keyed by name or URI) so that registration order never changes it.
 */
export async function serverContract(
  target: McpkitServer | ServerBuilder | TestClient,
): Promise<ServerContract> {
  const client = isTestClient(target) ? target : await createTestClient(target, { era: 'modern' });
  try {
    const sdk = client.client;
    const capabilities = sdk.getServerCapabilities() ?? {};
    const tools = capabilities.tools
      ? await all<Record<string, unknown>>((cursor) => sdk.listTools(cursor ? { cursor } : {}), 'tools')
      : [];
    const resources = capabilities.resources
      ? await all<Record<string, unknown>>(
          (cursor) => sdk.listResources(cursor ? { cursor } : {}),
          'resources',
        )
      : [];
    const templates = capabilities.resources
      ? await all<Record<string, unknown>>(
          (cursor) => sdk.listResourceTemplates(cursor ? { cursor } : {}),
          'resourceTemplates',
        )
      : [];
    const prompts = capabilities.prompts
      ? await all<Record<string, unknown>>((cursor) => sdk.listPrompts(cursor ? { cursor } : {}), 'prompts')
      : [];
    return {
      tools: keyed(tools, 'name', TOOL_FIELDS),
      resources: keyed(resources, 'uri', RESOURCE_FIELDS),
      resourceTemplates: keyed(templates, 'uriTemplate', RESOURCE_FIELDS),
      prompts: keyed(prompts, 'name', PROMPT_FIELDS, (prompt) => {
        // Argument order is presentation, not contract.
        if (Array.isArray(prompt.arguments)) {
          prompt.arguments = [...prompt.arguments].sort((a, b) =>
            String((a as { name?: string }).name).localeCompare(String((b as { name?: string }).name)),
          );
        }
      }),
    };
  } finally {
    if (!isTestClient(target)) await client.close();
  }
}

/** The contract as stable, readable JSON: sorted keys, two-space indent, a final newline. */
export function formatContract(contract: ServerContract): string {
  return `${JSON.stringify(canonical(contract), null, 2)}\n`;
}
