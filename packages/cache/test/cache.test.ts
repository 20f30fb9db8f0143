import {
  CACHE_META_KEY,
  type CacheStore,
  cache,
  createCache,
  createMemoryCacheStore,
  invalidate,
  invalidates,
} from '@mcpkit/cache';
import { type AuthIdentity, createServer, McpkitError, silentLogger } from '@mcpkit/core';
import {
  connectTestClient,
  createTestClient,
  expectToolError,
  resultText,
  serveForTest,
  type TestClient,
} from '@mcpkit/testing';
import { mcpkitMatchers } from '@mcpkit/testing/vitest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as z from 'zod';

expect.extend(mcpkitMatchers);

const clients: TestClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

type Era = 'modern' | 'legacy';
async function connect(server: Parameters<typeof createTestClient>[0], era: Era = 'modern', user?: string) {
  const client = await createTestClient(server, { era, ...(user ? { headers: { 'x-user': user } } : {}) });
  clients.push(client);
  return client;
}

/** Plays an auth middleware: the caller named in `x-user` becomes `ctx.auth`. */
function headerAuth(builder: ReturnType<typeof createServer>) {
  return builder.use((ctx, next) => {
    const user = ctx.headers['x-user'];
    if (user) ctx.auth = { subject: user, scopes: [] } satisfies AuthIdentity;
    return next();
  });
}

const metaOf = (result: { _meta?: Record<string, unknown> }) => result._meta?.[CACHE_META_KEY];

describe('cache() middleware', () => {
  it('runs the handler once for 100 concurrent identical calls on a cold key', async () => {
    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const appCache = createCache();
    const server = createServer({ name: 't', version: '1.0.0', logger: silentLogger })
      .use(appCache)
      .tool('search', {
        description: 'Searches',
        input: z.object({ q: z.string() }),
        use: [cache({ ttlMs: 60_000 })],
        handler: async ({ q }) => {
          runs++;
          await gate;
          return `results for ${q} #${runs}`;
        },
      });
    let coalesced = 0;
    server.telemetry.on('cache.coalesced', () => coalesced++);
    const client = await connect(server);
    const calls = Array.from({ length: 100 }, () => client.callTool('search', { q: 'mcp' }));
    // Every caller must be waiting on the one run before it finishes, or the test proves nothing.
    await vi.waitFor(() => expect(coalesced).toBe(99));
    release();
    const results = await Promise.all(calls);
    const texts = new Set(results.map(resultText));
    expect(runs).toBe(1);
    expect([...texts]).toEqual(['results for mcp #1']);
    console.log(
      `[acceptance] stampede: 100 concurrent calls on a cold key -> handler ran ${runs} time(s), ${coalesced} coalesced, ${texts.size} distinct result(s)`,
    );
  });

  it('keeps authenticated callers apart on private tools and shares public tools', async () => {
    const runs: Record<string, number> = { profile: 0, catalog: 0 };
    const appCache = createCache();
    const server = headerAuth(createServer({ name: 't', version: '1.0.0', logger: silentLogger }))
      .use(appCache)
      .tool('profile', {
        description: 'The caller profile',
        input: z.object({ field: z.string() }),
        use: [cache({ ttlMs: 60_000 })],
        handler: ({ field }, ctx) => {
          runs.profile = (runs.profile ?? 0) + 1;
          return `${field} of ${ctx.auth?.subject}`;
        },
      })
      .tool('catalog', {
        description: 'A public catalog',
        input: z.object({ page: z.number() }),
        use: [cache({ ttlMs: 60_000, scope: 'public' })],
        handler: ({ page }, ctx) => {
          runs.catalog = (runs.catalog ?? 0) + 1;
          return `page ${page} first served to ${ctx.auth?.subject}`;
        },
      });
    const alice = await connect(server, 'modern', 'alice');
    const bob = await connect(server, 'modern', 'bob');

    const a1 = await alice.callTool('profile', { field: 'email' });
    const b1 = await bob.callTool('profile', { field: 'email' });
    const a2 = await alice.callTool('profile', { field: 'email' });
    const b2 = await bob.callTool('profile', { field: 'email' });
    expect(resultText(a1)).toBe('email of alice');
    expect(resultText(b1)).toBe('email of bob');
    expect(resultText(a2)).toBe('email of alice');
    expect(resultText(b2)).toBe('email of bob');
    expect(runs.profile).toBe(2);
    expect(metaOf(a2)).toMatchObject({ status: 'hit', cacheScope: 'private' });

    const c1 = await alice.callTool('catalog', { page: 1 });
    const c2 = await bob.callTool('catalog', { page: 1 });
    expect(resultText(c2)).toBe(resultText(c1));
    expect(runs.catalog).toBe(1);
    expect(metaOf(c2)).toMatchObject({ status: 'hit', cacheScope: 'public' });
    console.log(
      `[acceptance] partitioning: private tool, 2 callers x 2 calls -> ${runs.profile} handler runs, no cross-caller result; public tool, 2 callers -> ${runs.catalog} run, shared`,
    );
  });

  it('partitions by the identity an HTTP edge guard attached', async () => {
    let runs = 0;
    const server = createServer({ name: 't', version: '1.0.0', logger: silentLogger })
      .guard((req) => {
        const token = req.headers.authorization?.replace(/^Bearer /, '');
        return token ? { auth: { subject: `user-${token}`, clientId: 'app', scopes: [] } } : undefined;
      })
      .use(createCache())
      .tool('inbox', {
        description: 'The caller inbox',
        use: [cache({ ttlMs: 60_000 })],
        handler: (_args, ctx) => `inbox of ${ctx.auth?.subject} #${++runs}`,
      });
    const served = await serveForTest(server);
    try {
      const alice = await connectTestClient(served.url, { headers: { authorization: 'Bearer alice' } });
      const bob = await connectTestClient(served.url, { headers: { authorization: 'Bearer bob' } });
      clients.push(alice, bob);
      expect(resultText(await alice.callTool('inbox'))).toBe('inbox of user-alice #1');
      expect(resultText(await bob.callTool('inbox'))).toBe('inbox of user-bob #2');
      const again = await alice.callTool('inbox');
      expect(resultText(again)).toBe('inbox of user-alice #1');
      expect(metaOf(again)).toMatchObject({ status: 'hit', cacheScope: 'private' });
    } finally {
      await Promise.all(clients.splice(0).map((c) => c.close()));
      await served.close();
    }
  });

  it('does not cache a private tool for anonymous callers, and shares an unscoped tool among them', async () => {
    let privateRuns = 0;
    let openRuns = 0;
    const server = createServer({ name: 't', version: '1.0.0', logger: silentLogger })
      .use(createCache())
      .tool('mine', {
        description: 'Private data',
        use: [cache({ scope: 'private' })],
        handler: () => `run ${++privateRuns}`,
      })
      .tool('open', {
        description: 'Open data',
        use: [cache()],
        handler: () => `run ${++openRuns}`,
      });
    const client = await connect(server);
    await client.callTool('mine');
    const second = await client.callTool('mine');
    expect(privateRuns).toBe(2);
    expect(metaOf(second)).toEqual({ status: 'bypass', ttlMs: 0, cacheScope: 'private' });
    await client.callTool('open');
    const shared = await client.callTool('open');
    expect(openRuns).toBe(1);
    expect(metaOf(shared)).toMatchObject({ status: 'hit', cacheScope: 'public' });
  });

  it('keys on canonical validated arguments: key order is ignored, types are not', async () => {
    const seen: unknown[] = [];
    const server = createServer({ name: 't', version: '1.0.0', logger: silentLogger })
      .use(createCache())
      .tool('lookup', {
        description: 'Looks up',
        input: z.object({
          a: z.union([z.number(), z.string()]).optional(),
          b: z.number().optional(),
          limit: z.number().default(10),
        }),
        use: [cache({ ttlMs: 60_000 })],
        handler: (args) => {
          seen.push(args);
          return JSON.stringify(args);
        },
      });
    const client = await connect(server);
    await client.callTool('lookup', { a: 1, b: 2 });
    await client.callTool('lookup', { b: 2, a: 1 });
    await client.callTool('lookup', { b: 2, a: 1, limit: 10 });
    const reordered = seen.length;
    await client.callTool('lookup', { a: 1 });
    await client.callTool('lookup', { a: '1' });
    expect(reordered).toBe(1);
    expect(seen).toHaveLength(3);
    expect(seen.slice(1)).toEqual([
      { a: 1, limit: 10 },
      { a: '1', limit: 10 },
    ]);
    console.log(
      `[acceptance] canonicalisation: {a:1,b:2} / {b:2,a:1} / {b:2,a:1,limit:10 (default)} -> ${reordered} handler run; {a:1} vs {a:"1"} -> ${seen.length - reordered} runs (distinct keys)`,
    );
  });

  it('gives each caller its own top-level result and shares the rest frozen, so no caller changes what the next one gets', async () => {
    const returned: Array<{ content: Array<{ type: string; text: string }> }> = [];
    const refused: string[] = [];
    let tamper = true;
    const server = createServer({ name: 't', version: '1.0.0', logger: silentLogger })
      .use(createCache())
      // Global tools/call middleware sees the result after cache() returns it.
      .use('tools/call', async (_ctx, next) => {
        const result = await next();
        if (!tamper) return result;
        const block = result.content[0] as { text: string };
        for (const attempt of [
          () => (block.text = 'tampered'),
          () => result.content.push({ type: 'text', text: 'extra' }),
        ]) {
          try {
            attempt();
          } catch (error) {
            refused.push((error as Error).name);
          }
        }
        // The top level is this caller's own: replacing a field is allowed and stays local.
        result.content = [{ type: 'text', text: 'replaced for this caller' }];
        return result;
      })
      .tool('doc', {
        description: 'Reads a doc',
        input: z.object({ id: z.string() }),
        use: [cache({ ttlMs: 60_000 })],
        handler: ({ id }) => {
          const result = { content: [{ type: 'text' as const, text: `doc ${id}` }] };
          returned.push(result);
          return result;
        },
      });
    const client = await connect(server);
    expect(resultText(await client.callTool('doc', { id: '1' }))).toBe('replaced for this caller');
    expect(metaOf(await client.callTool('doc', { id: '1' }))).toMatchObject({ status: 'hit' });
    // Miss and hit callers alike hold frozen shared data: both in-place changes were refused, twice.
    expect(refused).toEqual(['TypeError', 'TypeError', 'TypeError', 'TypeError']);
    tamper = false;
    const clean = await client.callTool('doc', { id: '1' });
    expect(resultText(clean)).toBe('doc 1');
    expect(clean.content).toHaveLength(1);
    expect(metaOf(clean)).toMatchObject({ status: 'hit' });
    // The handler's own object is neither frozen nor changed: the cache stored a copy.
    expect(returned).toHaveLength(1);
    expect(Object.isFrozen(returned[0]?.content)).toBe(false);
  });

  it('freezes results read from a store that hands out fresh objects before sharing them', async () => {
    // A store without an in-process layer (like Redis alone) decodes a new object per read.
    const inner = createMemoryCacheStore();
    const decoding: CacheStore = {
      ...inner,
      name: 'decoding',
      peek: undefined,
      async get(key) {
        const found = await inner.get(key);
        return found && { ...found, entry: { ...found.entry, value: structuredClone(found.entry.value) } };
      },
    };
    let sharedContent: unknown;
    const server = createServer({ name: 't', version: '1.0.0', logger: silentLogger })
      .use(createCache({ store: decoding }))
      .use('tools/call', async (_ctx, next) => {
        const result = await next();
        sharedContent = result.content;
        return result;
      })
      .tool('doc', {
        description: 'Reads a doc',
        input: z.object({ id: z.string() }),
        use: [cache({ ttlMs: 60_000 })],
        handler: ({ id }) => `doc ${id}`,
      });
    const client = await connect(server);
    await client.callTool('doc', { id: '1' });
    const hit = await client.callTool('doc', { id: '1' });
    expect(metaOf(hit)).toMatchObject({ status: 'hit', cacheScope: 'public' });
    expect(resultText(hit)).toBe('doc 1');
    expect(Object.isFrozen(sharedContent)).toBe(true);
    expect(Object.isFrozen((sharedContent as object[])[0])).toBe(true);
  });

  it('never stores error results, thrown or returned', async () => {
    let thrown = 0;
    let returned = 0;
    const server = createServer({ name: 't', version: '1.0.0', logger: silentLogger })
      .use(createCache())
      .tool('throws', {
        description: 'Fails by throwing',
        use: [cache()],
        handler: () => {
          thrown++;
          throw new McpkitError('NOT_FOUND', 'No such thing.');
        },
      })
      .tool('returns', {
        description: 'Fails with an error result',
        use: [cache()],
        handler: () => {
          returned++;
          return { content: [{ type: 'text' as const, text: 'nope' }], isError: true };
        },
      });
    const client = await connect(server);
    expect(await client.callTool('throws')).toBeToolError('NOT_FOUND');
    expect(await client.callTool('throws')).toBeToolError('NOT_FOUND');
    expect((await client.callTool('returns')).isError).toBe(true);
    const again = await client.callTool('returns');
    expect(again.isError).toBe(true);
    expect(metaOf(again)).toBeUndefined();
    expect([thrown, returned]).toEqual([2, 2]);
  });

  it('returns but does not store results over the size limit', async () => {
    let runs = 0;
    const skipped: string[] = [];
    const server = createServer({ name: 't', version: '1.0.0', logger: silentLogger })
      .use(createCache())
      .tool('big', {
        description: 'A large answer',
        input: z.object({ size: z.number() }),
        use: [cache({ maxValueBytes: 500 })],
        handler: ({ size }) => {
          runs++;
          return 'x'.repeat(size);
        },
      });
    server.telemetry.on('cache.skipped', (event) => skipped.push(event.reason));
    const client = await connect(server);
    expect(resultText(await client.callTool('big', { size: 2000 }))).toHaveLength(2000);
    await client.callTool('big', { size: 2000 });
    expect(runs).toBe(2);
    expect(skipped).toEqual(['oversize', 'oversize']);
    await client.callTool('big', { size: 10 });
    await client.callTool('big', { size: 10 });
    expect(runs).toBe(3);
  });

  it('emits SEP-2549 style hints in _meta on modern responses only', async () => {
    let now = 1_000_000;
    const server = createServer({ name: 't', version: '1.0.0', logger: silentLogger })
      .use(createCache({ clock: () => now }))
      .tool('quote', { description: 'Quote', use: [cache({ ttlMs: 30_000 })], handler: () => 'q' });
    const modern = await connect(server, 'modern');
    expect(metaOf(await modern.callTool('quote'))).toEqual({
      status: 'miss',
      ttlMs: 30_000,
      cacheScope: 'public',
    });
    now += 10_000;
    expect(metaOf(await modern.callTool('quote'))).toEqual({
      status: 'hit',
      ttlMs: 20_000,
      cacheScope: 'public',
    });
    const legacy = await connect(server, 'legacy');
    expect(metaOf(await legacy.callTool('quote'))).toEqual({ status: 'hit' });
  });

  it('invalidates tags from a mutating tool and from a handler', async () => {
    const docs = new Map([['d1', 'v1']]);
    let reads = 0;
    const server = createServer({ name: 't', version: '1.0.0', logger: silentLogger })
      .use(createCache())
      .tool('get_doc', {
        description: 'Reads a doc',
        input: z.object({ id: z.string() }),
        use: [cache({ ttlMs: 60_000, tags: (args) => [`doc:${args.id}`] })],
        handler: ({ id }) => {
          reads++;
          return docs.get(id) ?? 'none';
        },
      })
      .tool('put_doc', {
        description: 'Writes a doc',
        input: z.object({ id: z.string(), body: z.string() }),
        use: [invalidates((args) => [`doc:${args.id}`])],
        handler: ({ id, body }) => {
          docs.set(id, body);
          return 'ok';
        },
      })
      .tool('reset', {
        description: 'Resets every doc',
        handler: async (_args, ctx) => {
          for (const id of docs.keys()) docs.set(id, 'reset');
          await invalidate(
            ctx,
            [...docs.keys()].map((id) => `doc:${id}`),
          );
          return 'ok';
        },
      });
    const client = await connect(server);
    expect(resultText(await client.callTool('get_doc', { id: 'd1' }))).toBe('v1');
    expect(resultText(await client.callTool('get_doc', { id: 'd1' }))).toBe('v1');
    expect(reads).toBe(1);
    await client.callTool('put_doc', { id: 'd1', body: 'v2' });
    expect(resultText(await client.callTool('get_doc', { id: 'd1' }))).toBe('v2');
    await client.callTool('reset');
    expect(resultText(await client.callTool('get_doc', { id: 'd1' }))).toBe('reset');
    expect(reads).toBe(3);
  });

  it('serves the last good value, marked stale, while the handler fails within grace, then the coded error', async () => {
    let now = 1_000_000;
    let failing = false;
    let version = 0;
    const server = createServer({ name: 't', version: '1.0.0', logger: silentLogger })
      .use(createCache({ clock: () => now }))
      .tool('rates', {
        description: 'Exchange rates',
        use: [cache({ ttlMs: 1_000, graceMs: 10_000 })],
        handler: () => {
          if (failing) throw new McpkitError('UPSTREAM_UNAVAILABLE', 'Rates service is down.');
          return `rates v${++version}`;
        },
      });
    const client = await connect(server);
    expect(resultText(await client.callTool('rates'))).toBe('rates v1');
    failing = true;
    now += 5_000;
    const stale = await client.callTool('rates');
    expect(resultText(stale)).toBe('rates v1');
    expect(metaOf(stale)).toMatchObject({ status: 'stale', stale: true, ageMs: 5_000, ttlMs: 0 });
    now += 5_999;
    expect(metaOf(await client.callTool('rates'))).toMatchObject({ status: 'stale', ageMs: 10_999 });
    now += 2;
    const expired = await client.callTool('rates');
    expect(expired).toBeToolError('UPSTREAM_UNAVAILABLE');
    failing = false;
    expect(resultText(await client.callTool('rates'))).toBe('rates v2');
    console.log(
      '[acceptance] graceMs: ttl 1 s + grace 10 s, handler failing -> stale value at +5 s and +10.999 s, UPSTREAM_UNAVAILABLE at +11.001 s, fresh again after recovery',
    );
  });

  it('does not answer a NOT_FOUND with a grace value', async () => {
    let now = 0;
    let gone = false;
    const server = createServer({ name: 't', version: '1.0.0', logger: silentLogger })
      .use(createCache({ clock: () => now }))
      .tool('item', {
        description: 'An item',
        use: [cache({ ttlMs: 1_000, graceMs: 60_000 })],
        handler: () => {
          if (gone) throw new McpkitError('NOT_FOUND', 'Deleted.');
          return 'item';
        },
      });
    const client = await connect(server);
    await client.callTool('item');
    gone = true;
    now += 2_000;
    expect(await client.callTool('item')).toBeToolError('NOT_FOUND');
  });

  it('returns the old value at once and refreshes it in the background (stale-while-revalidate)', async () => {
    let now = 0;
    let version = 0;
    let refreshed!: () => void;
    const done = new Promise<void>((resolve) => {
      refreshed = resolve;
    });
    const server = createServer({ name: 't', version: '1.0.0', logger: silentLogger })
      .use(createCache({ clock: () => now }))
      .tool('feed', {
        description: 'A feed',
        use: [cache({ ttlMs: 1_000, staleWhileRevalidateMs: 5_000 })],
        handler: () => {
          version++;
          if (version === 2) setImmediate(refreshed);
          return `feed v${version}`;
        },
      });
    const client = await connect(server);
    await client.callTool('feed');
    now += 2_000;
    const stale = await client.callTool('feed');
    expect(resultText(stale)).toBe('feed v1');
    expect(metaOf(stale)).toMatchObject({ status: 'stale', stale: true });
    await done;
    await vi.waitFor(async () => {
      const fresh = await client.callTool('feed');
      expect(resultText(fresh)).toBe('feed v2');
      expect(metaOf(fresh)).toMatchObject({ status: 'hit' });
    });
    expect(version).toBe(2);
  });

  it('fails with a clear hint when no cache is installed', async () => {
    const server = createServer({ name: 't', version: '1.0.0', logger: silentLogger }).tool('x', {
      description: 'x',
      use: [cache()],
      handler: () => 'x',
    });
    const client = await connect(server);
    const error = expectToolError(await client.callTool('x'), 'INTERNAL');
    expect(error.message).toMatch(/server failed|No cache/);
  });
});
