import type { Era } from '@mcpkit/core';
import { apiKey, hashApiKey } from '@mcpkit/middleware';
import { createTestClient, type TestClient, type TestClientOptions } from '@mcpkit/testing';
import { createMemoryServer, type MemoryServer, type MemoryServerOptions } from '../../src/server.js';
import type { MemoryDatabase } from '../../src/storage/open-database.js';

/** API keys of the test tenants: `key-<tenant>`. */
export function tenantKeys(...tenants: string[]) {
  return apiKey({
    keys: tenants.map((tenant) => ({
      hash: hashApiKey(`key-${tenant}`),
      subject: `user-${tenant}`,
      claims: { tenant },
    })),
  });
}

/** A memory server on `database` whose callers are the given tenants. */
export function memoryServerFor(
  database: MemoryDatabase,
  options: Partial<MemoryServerOptions> = {},
): Promise<MemoryServer> {
  return createMemoryServer({ database, auth: tenantKeys('acme', 'globex'), ...options });
}

/** A client of `tenant` over the in-process transport. */
export function clientOf(
  memory: MemoryServer,
  tenant: string,
  era: Era,
  options: TestClientOptions = {},
): Promise<TestClient> {
  return createTestClient(memory.server, { era, headers: { 'x-api-key': `key-${tenant}` }, ...options });
}

/** The structured result of a successful call, or a thrown error naming the failure. */
export async function call<T = Record<string, unknown>>(
  client: TestClient,
  tool: string,
  args: Record<string, unknown>,
): Promise<T> {
  const result = await client.callTool(tool, args);
  if (result.isError) throw new Error(`${tool} failed: ${JSON.stringify(result.structuredContent)}`);
  return result.structuredContent as T;
}
