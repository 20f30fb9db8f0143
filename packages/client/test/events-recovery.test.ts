import { createClient } from '@mcpkit/client';
import { createServer, type HttpServerHandle, silentLogger } from '@mcpkit/core';
import type { FetchLike } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Events when the server or the network says no: a modern `subscriptions/listen` that fails is
// tried again (and never leaves an old stream open beside the new one); a legacy
// `resources/subscribe` the server refuses leaves nothing registered, and a subscribe racing an
// unsubscribe of the same URI ends in the state the listeners ask for.

const server = createServer({
  name: 'docs',
  version: '1.0.0',
  logger: silentLogger,
  // A legacy session holds one subscription: the second URI is refused.
  requestLimits: { maxSubscriptions: 1 },
})
  .tool('noop', { description: 'Does nothing', handler: () => 'ok' })
  .prompt('greet', { description: 'Greets', get: () => 'Hello' })
  .resource('docs://a', { name: 'a', description: 'A', read: () => 'a' })
  .resource('docs://b', { name: 'b', description: 'B', read: () => 'b' })
  .build();

let http: HttpServerHandle;
beforeAll(async () => {
  http = await server.serve({ port: 0, host: '127.0.0.1', sessions: true });
});
afterAll(async () => {
  await http.close();
});

const methodOf = (init: RequestInit | undefined): string | undefined => {
  const body = typeof init?.body === 'string' ? init.body : '';
  return /"method":"([^"]+)"/.exec(body)?.[1];
};

/** A fetch that sees every listen stream (cut, failed or closed by the client) and can fail the next ones. */
function listenFetch() {
  const streams: Array<{ cut: AbortController; open: boolean }> = [];
  const state = { failNext: 0 };
  const fetchLike: FetchLike = async (input, init) => {
    if (methodOf(init) !== 'subscriptions/listen') return fetch(input, init);
    const stream = { cut: new AbortController(), open: true };
    streams.push(stream);
    if (state.failNext > 0) {
      state.failNext--;
      stream.open = false;
      throw new TypeError('fetch failed');
    }
    const signal = init?.signal ? AbortSignal.any([init.signal, stream.cut.signal]) : stream.cut.signal;
    signal.addEventListener('abort', () => {
      stream.open = false;
    });
    return fetch(input, { ...init, signal });
  };
  return { fetch: fetchLike, streams, state, open: () => streams.filter((s) => s.open).length };
}

describe('modern era: a listen that fails', () => {
  it('a dropped stream whose reopen fails is tried again until it opens', async () => {
    const probe = listenFetch();
    const client = await createClient(http.url, { era: 'modern', fetch: probe.fetch });
    try {
      let heard = 0;
      const tools = client.onToolsChanged(() => heard++);
      await tools.ready;
      expect(probe.streams).toHaveLength(1);
      // The network drops the stream, and the first reopen fails too.
      probe.state.failNext = 1;
      probe.streams[0]?.cut.abort();
      await expect.poll(() => probe.streams.length, { timeout: 10_000 }).toBe(3);
      expect(probe.streams[1]?.open).toBe(false);
      await expect
        .poll(
          () => {
            server.notifyToolsChanged();
            return heard;
          },
          { timeout: 5_000 },
        )
        .toBeGreaterThan(0);
      expect(probe.open()).toBe(1);
    } finally {
      await client.close();
    }
    expect(probe.open()).toBe(0);
  });

  it('a failed listen keeps the old stream in charge: the next stream replaces it, none is left beside it', async () => {
    const probe = listenFetch();
    const client = await createClient(http.url, { era: 'modern', fetch: probe.fetch });
    try {
      const heard: string[] = [];
      const tools = client.onToolsChanged(() => heard.push('tools'));
      await tools.ready;
      probe.state.failNext = 1;
      const prompts = client.onPromptsChanged(() => heard.push('prompts'));
      await expect(prompts.ready).rejects.toThrow();
      // A later change of the listeners opens one stream for all of them and closes the old one.
      const resources = client.onResourcesChanged(() => heard.push('resources'));
      await resources.ready;
      await expect.poll(() => probe.open(), { timeout: 5_000 }).toBe(1);
      server.notifyToolsChanged();
      server.notifyPromptsChanged();
      await expect.poll(() => heard.filter((h) => h === 'prompts').length, { timeout: 5_000 }).toBe(1);
      await expect.poll(() => heard.filter((h) => h === 'tools').length).toBe(1);
    } finally {
      await client.close();
    }
    expect(probe.open()).toBe(0);
  });
});

describe('legacy era: resources/subscribe', () => {
  it.each(['in process', 'http'] as const)(
    '%s: a refused subscribe leaves the URI unregistered, and a later listener subscribes again',
    async (where) => {
      const client = await createClient(where === 'http' ? http.url : server, { era: 'legacy' });
      try {
        const heard: string[] = [];
        const a = client.onResourceUpdated('docs://a', (uri) => heard.push(uri));
        await a.ready;
        const refused = client.onResourceUpdated('docs://b', (uri) => heard.push(`refused ${uri}`));
        await expect(refused.ready).rejects.toMatchObject({ code: -32602 });
        // Room again on the server: a new listener of the refused URI must subscribe, not assume it is.
        a.dispose();
        const b = client.onResourceUpdated('docs://b', (uri) => heard.push(uri));
        await b.ready;
        server.notifyResourceUpdated('docs://b');
        await expect.poll(() => heard).toEqual(['docs://b']);
      } finally {
        await client.close();
      }
    },
  );

  it('a subscribe racing the unsubscribe of the same URI ends subscribed', async () => {
    // Over HTTP each request is its own POST: hold the unsubscribe back until the next subscribe
    // went through (or, when the client waits for the unsubscribe as it should, a moment passed).
    let subscribes = 0;
    let releaseUnsubscribe: () => void = () => undefined;
    let nextSubscribeDone: () => void = () => undefined;
    const subscribed = new Promise<void>((resolve) => {
      nextSubscribeDone = resolve;
    });
    let unsubscribeSent: () => void = () => undefined;
    const unsubscribing = new Promise<void>((resolve) => {
      unsubscribeSent = resolve;
    });
    let unsubscribeDone: () => void = () => undefined;
    const unsubscribed = new Promise<void>((resolve) => {
      unsubscribeDone = resolve;
    });
    const racing: FetchLike = async (input, init) => {
      const method = methodOf(init);
      if (method === 'resources/unsubscribe') {
        unsubscribeSent();
        await new Promise<void>((resolve) => {
          releaseUnsubscribe = resolve;
          void Promise.race([subscribed, new Promise((r) => setTimeout(r, 300))]).then(() => resolve());
        });
      }
      const response = await fetch(input, init);
      if (method === 'resources/subscribe' && ++subscribes === 2) nextSubscribeDone();
      if (method === 'resources/unsubscribe') unsubscribeDone();
      return response;
    };
    const client = await createClient(http.url, { era: 'legacy', fetch: racing });
    try {
      const heard: string[] = [];
      const first = client.onResourceUpdated('docs://a', () => heard.push('first'));
      await first.ready;
      first.dispose();
      // The next listener comes while the unsubscribe is on its way.
      await unsubscribing;
      const second = client.onResourceUpdated('docs://a', () => heard.push('second'));
      await second.ready;
      releaseUnsubscribe();
      await unsubscribed;
      // Whatever order the requests took, the server must end with the URI subscribed.
      await expect
        .poll(
          () => {
            server.notifyResourceUpdated('docs://a');
            return heard.includes('second');
          },
          { timeout: 3_000 },
        )
        .toBe(true);
      expect(heard).not.toContain('first');
    } finally {
      await client.close();
    }
  });
});
