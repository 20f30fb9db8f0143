import { createClient } from '@mcpkit/client';
import { createServer, type HttpServerHandle, silentLogger } from '@mcpkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// List-changed and resource-updated events, both eras, in process and over HTTP (legacy with
// sessions, whose GET stream carries the notifications); and the SEP-2549 cache hints of the
// modern era: a second list or read within `ttlMs` makes no request, an event drops the entry.

const requests: Record<string, number> = {};
let revision = 1;

const server = createServer({ name: 'docs', version: '1.0.0', logger: silentLogger, listTtlMs: 60_000 })
  .use(async (ctx, next) => {
    requests[ctx.method] = (requests[ctx.method] ?? 0) + 1;
    return next();
  })
  .tool('noop', { description: 'Does nothing', handler: () => 'ok' })
  .prompt('greet', { description: 'Greets', get: () => 'Hello' })
  .resource('docs://readme', {
    name: 'readme',
    description: 'The readme',
    ttlMs: 60_000,
    read: () => `revision ${revision}`,
  })
  .build();

let http: HttpServerHandle;
beforeAll(async () => {
  http = await server.serve({ port: 0, host: '127.0.0.1', sessions: true });
});
afterAll(async () => {
  await http.close();
});

const targets = { 'in process': () => server, http: () => http.url } as const;

describe.each(['modern', 'legacy'] as const)('events, %s era', (era) => {
  describe.each(Object.keys(targets) as Array<keyof typeof targets>)('%s', (where) => {
    it('list-changed and resource-updated listeners hear the server, until disposed', async () => {
      const client = await createClient(targets[where](), { era });
      try {
        const heard: string[] = [];
        const tools = client.onToolsChanged(() => heard.push('tools'));
        const prompts = client.onPromptsChanged(() => heard.push('prompts'));
        const resources = client.onResourcesChanged(() => heard.push('resources'));
        const readme = client.onResourceUpdated('docs://readme', (uri) => heard.push(`updated ${uri}`));
        await Promise.all([tools.ready, prompts.ready, resources.ready, readme.ready]);

        server.notifyToolsChanged();
        server.notifyPromptsChanged();
        server.notifyResourcesChanged();
        server.notifyResourceUpdated('docs://readme');
        server.notifyResourceUpdated('docs://other');
        await expect
          .poll(() => [...heard].sort())
          .toEqual(['prompts', 'resources', 'tools', 'updated docs://readme']);

        tools.dispose();
        readme.dispose();
        // A later event still reaches the listeners that remain, and only them.
        const kept = client.onPromptsChanged(() => heard.push('prompts again'));
        await kept.ready;
        heard.length = 0;
        server.notifyToolsChanged();
        server.notifyResourceUpdated('docs://readme');
        server.notifyPromptsChanged();
        await expect.poll(() => [...heard].sort()).toEqual(['prompts', 'prompts again']);
      } finally {
        await client.close();
      }
    });
  });
});

describe('SEP-2549 cache hints (modern era)', () => {
  it.each(Object.keys(targets) as Array<keyof typeof targets>)(
    '%s: a second list or read within ttlMs makes no request; events and refresh drop it',
    async (where) => {
      const client = await createClient(targets[where](), { era: 'modern' });
      try {
        const count = (method: string) => requests[method] ?? 0;
        const lists = count('tools/list');
        const reads = count('resources/read');
        expect((await client.listTools()).map((tool) => tool.name)).toEqual(['noop']);
        await client.listTools();
        expect(count('tools/list')).toBe(lists + 1);

        revision = 1;
        const text = async (options?: { cache?: 'refresh' }) =>
          ((await client.readResource('docs://readme', options)).contents[0] as { text: string }).text;
        expect(await text()).toBe('revision 1');
        revision = 2;
        expect(await text()).toBe('revision 1');
        expect(count('resources/read')).toBe(reads + 1);

        // The update event drops the cached read; the list-changed event drops the cached list.
        const updated = client.onResourceUpdated('docs://readme', () => {});
        const changed = client.onToolsChanged(() => {});
        await Promise.all([updated.ready, changed.ready]);
        let heard = 0;
        const probe = client.onResourceUpdated('docs://readme', () => heard++);
        const probeTools = client.onToolsChanged(() => heard++);
        await Promise.all([probe.ready, probeTools.ready]);
        server.notifyResourceUpdated('docs://readme');
        server.notifyToolsChanged();
        await expect.poll(() => heard).toBe(2);
        expect(await text()).toBe('revision 2');
        expect(count('resources/read')).toBe(reads + 2);
        await client.listTools();
        expect(count('tools/list')).toBe(lists + 2);

        // `cache: 'refresh'` always asks.
        revision = 3;
        expect(await text({ cache: 'refresh' })).toBe('revision 3');
        expect(count('resources/read')).toBe(reads + 3);
      } finally {
        await client.close();
      }
    },
  );

  it('the legacy era carries no hints: every list is a request', async () => {
    const client = await createClient(server, { era: 'legacy' });
    try {
      const lists = requests['tools/list'] ?? 0;
      await client.listTools();
      await client.listTools();
      expect(requests['tools/list']).toBe(lists + 2);
    } finally {
      await client.close();
    }
  });
});

describe('a dropped modern listen stream', () => {
  it('is opened again while listeners remain', async () => {
    const streams: AbortController[] = [];
    const client = await createClient(http.url, {
      era: 'modern',
      // Lets the test cut the listen stream's connection, as a proxy or a network would.
      fetch: async (input, init) => {
        const body = typeof init?.body === 'string' ? init.body : '';
        if (!body.includes('"subscriptions/listen"')) return fetch(input, init);
        const cut = new AbortController();
        streams.push(cut);
        const signal = init?.signal ? AbortSignal.any([init.signal, cut.signal]) : cut.signal;
        return fetch(input, { ...init, signal });
      },
    });
    try {
      let heard = 0;
      const tools = client.onToolsChanged(() => heard++);
      await tools.ready;
      expect(streams).toHaveLength(1);
      streams[0]?.abort();
      await expect.poll(() => streams.length, { timeout: 5_000 }).toBe(2);
      // The new stream is acknowledged before the server's next change reaches it.
      await expect
        .poll(
          () => {
            server.notifyToolsChanged();
            return heard;
          },
          { timeout: 5_000 },
        )
        .toBeGreaterThan(0);
    } finally {
      await client.close();
    }
  });
});
