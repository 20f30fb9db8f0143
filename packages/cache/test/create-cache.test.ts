import { createCache } from '@mcpkit/cache';
import { createServer, createTelemetry, McpkitError, silentLogger } from '@mcpkit/core';
import { createTestClient, resultText } from '@mcpkit/testing';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';

describe('createCache', () => {
  it('runs a loader once for concurrent getOrSet calls and caches for the ttl', async () => {
    let now = 0;
    const cache = createCache({ clock: () => now, ttlMs: 1_000 });
    let loads = 0;
    const loader = async () => {
      loads++;
      await new Promise((resolve) => setTimeout(resolve, 10));
      return { n: loads };
    };
    const values = await Promise.all(Array.from({ length: 10 }, () => cache.getOrSet('k', loader)));
    expect(loads).toBe(1);
    expect(new Set(values).size).toBe(1);
    now += 999;
    expect(await cache.getOrSet('k', loader)).toEqual({ n: 1 });
    now += 1;
    expect(await cache.getOrSet('k', loader)).toEqual({ n: 2 });
  });

  it('tags values from the value itself and voids them by tag', async () => {
    let now = 0;
    const cache = createCache({ clock: () => now });
    await cache.getOrSet('user:7', () => ({ id: 7, org: 'acme' }), { tags: (u) => [`org:${u.org}`] });
    now += 1;
    await cache.invalidateTags(['org:acme']);
    expect(await cache.get('user:7')).toBeUndefined();
  });

  it('answers a failing loader with the last value during grace, then lets the error through', async () => {
    let now = 0;
    const cache = createCache({ clock: () => now, ttlMs: 100, graceMs: 1_000 });
    await cache.getOrSet('rate', () => 1.1);
    now += 500;
    const failing = () => {
      throw new McpkitError('UPSTREAM_TIMEOUT', 'slow');
    };
    expect(await cache.getOrSet('rate', failing)).toBe(1.1);
    now += 700;
    await expect(cache.getOrSet('rate', failing)).rejects.toMatchObject({ code: 'UPSTREAM_TIMEOUT' });
  });

  it('sets, reads and deletes values', async () => {
    const cache = createCache();
    await cache.set('a', 1);
    expect(await cache.get('a')).toBe(1);
    await cache.delete('a');
    expect(await cache.get('a')).toBeUndefined();
  });

  it('installs as a plugin: ctx.state.cache for handlers, telemetry and a readiness check', async () => {
    const appCache = createCache();
    const events: string[] = [];
    let upstreamCalls = 0;
    const server = createServer({ name: 't', version: '1.0.0', logger: silentLogger })
      .use(appCache)
      .tool('country', {
        description: 'Country by code',
        input: z.object({ code: z.string() }),
        handler: async ({ code }, ctx) => {
          const name = await ctx.state.cache?.getOrSet(`country:${code}`, () => {
            upstreamCalls++;
            return code === 'fr' ? 'France' : 'Unknown';
          });
          return `${code}=${name}`;
        },
      });
    server.telemetry.on('cache.miss', () => events.push('miss'));
    server.telemetry.on('cache.hit', (e) => events.push(`hit:${e.layer}`));
    const client = await createTestClient(server);
    expect(resultText(await client.callTool('country', { code: 'fr' }))).toBe('fr=France');
    expect(resultText(await client.callTool('country', { code: 'fr' }))).toBe('fr=France');
    expect(upstreamCalls).toBe(1);
    expect(events).toEqual(['miss', 'hit:l1']);
    expect(await appCache.check()).toMatchObject({ healthy: true, details: { status: 'ok' } });
    await client.close();
  });

  it('peeks at fresh hits synchronously, and leaves misses, stale and voided values to resolve', async () => {
    let now = 0;
    const events: string[] = [];
    const telemetry = createTelemetry();
    telemetry.on('cache.hit', (e) => events.push(`hit:${e.key}:${e.layer}`));
    const cache = createCache({ clock: () => now, ttlMs: 100, telemetry });
    const policy = { ...cache.defaults, tool: 'search' };
    expect(cache.peek?.('k', policy)).toBeUndefined();
    await cache.resolve('k', async () => ({ ok: true, value: 'v', tags: ['t'] }), policy);
    expect(cache.peek?.('k', policy)).toMatchObject({
      status: 'hit',
      value: 'v',
      layer: 'l1',
      freshUntil: 100,
    });
    expect(events).toEqual(['hit:k:l1']);
    now = 100;
    expect(cache.peek?.('k', policy)).toBeUndefined();
    now = 50;
    await cache.invalidateTags(['t']);
    expect(cache.peek?.('k', policy)).toBeUndefined();
    expect(events).toHaveLength(1);
  });
});
