import { randomBytes } from 'node:crypto';
import { ConfigError } from '@mcpkit/core';
import type { TestClient } from '@mcpkit/testing';
import { mcpkitMatchers } from '@mcpkit/testing/vitest';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadMemoryConfig } from '../src/config.js';
import { createRecallCache } from '../src/recall-cache.js';
import type { MemoryServer } from '../src/server.js';
import { type MemoryDatabase, openDatabase } from '../src/storage/open-database.js';
import { createScratchDatabase, type ScratchDatabase } from './support/databases.js';
import { call, clientOf, memoryServerFor } from './support/harness.js';

expect.extend(mcpkitMatchers);

/** The real Redis the tests use; a missing one fails the run (scripts/require-services.mjs). */
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

interface Recalled {
  hits: Array<{ id: string }>;
  nextCursor?: string;
}

// Recall pages are cached in a Redis L2 that every instance reads, so a page cached by one
// instance hands its cursor to callers of another: the instances must share the signing secret.
describe('recall cursors across instances sharing a Redis-backed cache', () => {
  const prefix = `memtest-${randomBytes(4).toString('hex')}:`;
  const secret = randomBytes(24).toString('base64url');
  let scratch: ScratchDatabase;
  let database: MemoryDatabase;
  const redises: Redis[] = [];
  const servers: MemoryServer[] = [];
  const clients: TestClient[] = [];
  /** Changes each instance heard on the change feed (each write voids cached recalls when heard). */
  const heard: number[] = [];

  const instance = async (cursorSecret: string, cachePrefix = prefix) => {
    const redis = new Redis(REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    redises.push(redis);
    const cache = createRecallCache({ redis, prefix: cachePrefix });
    await cache.ready();
    const index = heard.push(0) - 1;
    const memory = await memoryServerFor(database, {
      cache,
      cursorSecret,
      recallCacheTtlMs: 60_000,
      onChange: () => {
        heard[index] = (heard[index] ?? 0) + 1;
      },
    });
    servers.push(memory);
    const client = await clientOf(memory, 'acme', 'modern');
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    scratch = await createScratchDatabase();
    database = await openDatabase({ url: scratch.url, poolMax: 4 });
  }, 60_000);
  afterAll(async () => {
    for (const client of clients) await client.close();
    for (const memory of servers) {
      await memory.close();
      await memory.cache.close();
    }
    for (const redis of redises) redis.disconnect();
    await database?.close();
    await scratch?.drop();
  });

  it('follows a cursor served from the shared cache on another instance, and refuses one signed with another secret', async () => {
    const a = await instance(secret);
    const b = await instance(secret);
    // Another deployment on the same database: its own secret and its own cache.
    const stranger = await instance(randomBytes(24).toString('base64url'), `${prefix}other:`);
    for (let i = 0; i < 5; i++) {
      await call(a, 'remember', { content: `Cursor note ${i} about teapots`, tags: ['teapots'] });
    }
    // Every instance has heard the five writes, so none voids the page about to be cached.
    await vi.waitFor(() => expect(heard.every((count) => count >= 5)).toBe(true), { timeout: 10_000 });
    const ask = { query: 'teapots', tags: ['teapots'], limit: 2 };
    const fromA = await call<Recalled>(a, 'recall', ask);
    // B answers from the shared L2: the very same page, cursor and all (a fresh one would carry
    // another expiry), signed by A.
    const fromB = await call<Recalled>(b, 'recall', ask);
    expect(fromB).toEqual(fromA);
    expect(fromA.nextCursor).toBeDefined();
    const seen = [...fromB.hits.map((hit) => hit.id)];
    let cursor = fromB.nextCursor;
    while (cursor) {
      const page = await call<Recalled>(b, 'recall', { ...ask, cursor });
      seen.push(...page.hits.map((hit) => hit.id));
      cursor = page.nextCursor;
    }
    expect(new Set(seen).size).toBe(5);

    const refused = await stranger.callTool('recall', { ...ask, cursor: fromA.nextCursor });
    expect(refused).toBeToolError('VALIDATION_FAILED');
    expect(refused.structuredContent).toMatchObject({
      error: { details: { field: 'cursor', reason: 'bad_signature' } },
    });
  });
});

describe('the cursor secret in the configuration', () => {
  it('is required with REDIS_URL, and redacted', () => {
    expect(() => loadMemoryConfig({ env: { REDIS_URL: 'redis://127.0.0.1:6379' }, exit: false })).toThrow(
      ConfigError,
    );
    expect(() => loadMemoryConfig({ env: { REDIS_URL: 'redis://127.0.0.1:6379' }, exit: false })).toThrow(
      /RECALL_CURSOR_SECRET/,
    );
    const config = loadMemoryConfig({
      env: { REDIS_URL: 'redis://127.0.0.1:6379', RECALL_CURSOR_SECRET: 'a-long-enough-shared-secret' },
      exit: false,
    });
    expect(config.RECALL_CURSOR_SECRET).toBe('a-long-enough-shared-secret');
    expect(JSON.stringify(config)).not.toContain('a-long-enough-shared-secret');
  });

  it('may be left out without Redis: each process makes its own', () => {
    expect(loadMemoryConfig({ env: {}, exit: false }).RECALL_CURSOR_SECRET).toBeUndefined();
  });
});
