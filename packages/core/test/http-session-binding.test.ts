import {
  createMemorySessionStore,
  createServer,
  type EdgeGuard,
  type FetchHandler,
  type HttpHandlerOptions,
  HttpRefusal,
  McpkitError,
} from '@mcpkit/core';
import { serveForTest, type TestServer } from '@mcpkit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { SessionAdmission } from '../src/transports/http/session-admission.js';
import { addressBucket, sessionCaller } from '../src/transports/http/session-caller.js';
import { initializeMessage, LEGACY_VERSION, type WireMessage } from './fixtures/http-wire.js';

/** Bearer tokens of the form `subject` or `subject@client`: a stand-in for a verifying auth guard. */
const bearer: EdgeGuard = (req) => {
  const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
  if (token === undefined)
    throw new HttpRefusal(new McpkitError('UNAUTHORIZED', 'A bearer token is required.'));
  const [subject = '', clientId] = token.split('@');
  return { auth: { subject, ...(clientId ? { clientId } : {}), scopes: [] } };
};

/** The test's hold on the `held` tool: it starts, then waits for `release()` or its signal. */
const hold = { started: (): void => {}, release: (): void => {} };

function app() {
  return createServer({ name: 'bound', version: '1.0.0' })
    .guard(bearer)
    .tool('whoami', {
      description: 'Names the caller',
      handler: (_args, ctx) => ctx.auth?.subject ?? 'nobody',
    })
    .tool('held', {
      description: 'Waits until the test releases it, or until it is cancelled',
      handler: async (_args, ctx) => {
        await new Promise<void>((resolve) => {
          hold.release = resolve;
          ctx.signal.addEventListener('abort', () => resolve(), { once: true });
          hold.started();
        });
        return ctx.signal.aborted ? 'cancelled' : 'finished';
      },
    });
}

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A caller of one endpoint: its token, and requests that carry it. */
class Caller {
  constructor(
    readonly base: string,
    readonly token: string,
    readonly send: (request: Request) => Promise<Response>,
  ) {}

  #headers(sessionId?: string, extra: Record<string, string> = {}): Record<string, string> {
    return {
      authorization: `Bearer ${this.token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(sessionId ? { 'mcp-session-id': sessionId, 'mcp-protocol-version': LEGACY_VERSION } : {}),
      ...extra,
    };
  }

  initialize(id: number | string = 0): Promise<Response> {
    return this.send(
      new Request(this.base, {
        method: 'POST',
        headers: this.#headers(),
        body: JSON.stringify(initializeMessage(id, this.token)),
      }),
    );
  }

  async open(): Promise<string> {
    const response = await this.initialize();
    expect(response.status).toBe(200);
    return response.headers.get('mcp-session-id') as string;
  }

  call(sessionId: string, id: number): Promise<Response> {
    return this.send(
      new Request(this.base, {
        method: 'POST',
        headers: this.#headers(sessionId),
        body: JSON.stringify({
          jsonrpc: '2.0',
          id,
          method: 'tools/call',
          params: { name: 'whoami', arguments: {} },
        }),
      }),
    );
  }

  stream(sessionId: string): Promise<Response> {
    return this.send(
      new Request(this.base, { headers: this.#headers(sessionId, { accept: 'text/event-stream' }) }),
    );
  }

  end(sessionId: string): Promise<Response> {
    return this.send(new Request(this.base, { method: 'DELETE', headers: this.#headers(sessionId) }));
  }
}

async function serveBound(options: HttpHandlerOptions = {}): Promise<(token: string) => Caller> {
  server = await serveForTest(app(), { sessions: true, ...options });
  const url = server.url;
  return (token) => new Caller(url, token, (request) => fetch(request));
}

function inProcess(options: HttpHandlerOptions = {}): {
  handler: FetchHandler;
  as: (token: string) => Caller;
} {
  const handler = app()
    .build()
    .fetchHandler({ sessions: true, ...options });
  return { handler, as: (token) => new Caller('http://127.0.0.1/mcp', token, handler) };
}

describe('a legacy session belongs to the caller that created it', () => {
  it("answers another caller's POST, GET and DELETE on a session with 404, and the owner keeps it", async () => {
    const as = await serveBound();
    const alice = as('alice');
    const bob = as('bob');
    const session = await alice.open();

    const hijacked = await bob.call(session, 1);
    expect(hijacked.status).toBe(404);
    expect(await hijacked.json()).toMatchObject({ id: 1, error: { code: -32600 } });
    const stream = await bob.stream(session);
    expect(stream.status).toBe(404);
    await stream.body?.cancel();
    const deleted = await bob.end(session);
    expect(deleted.status).toBe(404);
    await deleted.body?.cancel();

    const own = await alice.call(session, 2);
    expect(own.status).toBe(200);
    expect(await own.json()).toMatchObject({ id: 2, result: { content: [{ text: 'alice' }] } });
    const ownStream = await alice.stream(session);
    expect(ownStream.status).toBe(200);
    expect(ownStream.headers.get('content-type')).toBe('text/event-stream');
    await ownStream.body?.cancel();
    const ended = await alice.end(session);
    expect(ended.status).toBe(200);
    expect((await alice.call(session, 3)).status).toBe(404);
  });

  it("answers another caller's notifications in a session with 404 and lets only the owner cancel its calls", async () => {
    const as = await serveBound();
    const alice = as('alice');
    const session = await alice.open();
    const post = (token: string, message: Record<string, unknown>) =>
      fetch(alice.base, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-session-id': session,
          'mcp-protocol-version': LEGACY_VERSION,
        },
        body: JSON.stringify({ jsonrpc: '2.0', ...message }),
      });
    const cancel = { method: 'notifications/cancelled', params: { requestId: 5 } };
    const started = new Promise<void>((resolve) => {
      hold.started = resolve;
    });
    const held = post('alice', { id: 5, method: 'tools/call', params: { name: 'held', arguments: {} } });
    await started;

    const refused = await post('bob', cancel);
    expect(refused.status).toBe(404);
    expect(await refused.json()).toMatchObject({ id: null, error: { code: -32600 } });
    hold.release();
    expect(await (await held).json()).toMatchObject({ id: 5, result: { content: [{ text: 'finished' }] } });

    const second = post('alice', { id: 5, method: 'tools/call', params: { name: 'held', arguments: {} } });
    await new Promise<void>((resolve) => {
      hold.started = resolve;
    });
    expect((await post('alice', cancel)).status).toBe(202);
    expect(await (await second).json()).toMatchObject({
      id: 5,
      result: { content: [{ text: 'cancelled' }] },
    });
  });

  it('binds to the client id as well as the subject', async () => {
    const as = await serveBound();
    const session = await as('carol@desktop').open();
    expect((await as('carol@cli').call(session, 1)).status).toBe(404);
    expect((await as('carol').call(session, 2)).status).toBe(404);
    expect((await as('carol@desktop').call(session, 3)).status).toBe(200);
  });

  it('binds anonymous sessions to the peer address only when bindAddress is on', () => {
    expect(sessionCaller(undefined, '10.0.0.1', false).owner).toBe(
      sessionCaller(undefined, '10.0.0.2', false).owner,
    );
    expect(sessionCaller(undefined, '10.0.0.1', true).owner).not.toBe(
      sessionCaller(undefined, '10.0.0.2', true).owner,
    );
    const identity = { subject: 'dave', scopes: [] };
    expect(sessionCaller(identity, '10.0.0.1', true).owner).toBe(
      sessionCaller(identity, '10.0.0.2', true).owner,
    );
    // The store keeps a digest, never the subject itself.
    expect(sessionCaller(identity, undefined, false).owner).not.toContain('dave');
  });
});

describe('session creation is bounded per caller and never evicts an active session', () => {
  it("leaves another caller's session working through a flood of 20,000 initialize from one caller", async () => {
    const { as } = inProcess();
    const alice = as('alice');
    const session = await alice.open();
    const mallory = as('mallory');

    const statuses = new Map<number, number>();
    let refusal: { status: number; retryAfter: string | null; body: WireMessage } | undefined;
    for (let start = 0; start < 20_000; start += 500) {
      const batch = await Promise.all(Array.from({ length: 500 }, (_, i) => mallory.initialize(start + i)));
      for (const response of batch) {
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        if (response.status !== 200 && refusal === undefined) {
          refusal = {
            status: response.status,
            retryAfter: response.headers.get('retry-after'),
            body: (await response.json()) as WireMessage,
          };
        } else await response.body?.cancel();
      }
    }

    expect(Object.fromEntries(statuses)).toEqual({ 200: 100, 429: 19_900 });
    expect(refusal?.retryAfter).toMatch(/^\d+$/);
    expect(refusal?.body).toMatchObject({
      id: 100,
      error: { data: { code: 'RATE_LIMITED', retryable: true } },
    });
    const after = await alice.call(session, 1);
    expect(after.status).toBe(200);
    expect(await after.json()).toMatchObject({ id: 1, result: { content: [{ text: 'alice' }] } });
  });

  it('counts anonymous callers by peer address over a socket, and leaves callers it cannot tell apart alone', async () => {
    server = await serveForTest(createServer({ name: 'open', version: '1.0.0' }), {
      sessions: { maxNewPerCaller: 5 },
    });
    const initialize = (send: (request: Request) => Promise<Response>, base: string, id: number) =>
      send(
        new Request(base, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
          body: JSON.stringify(initializeMessage(id, 'anon')),
        }),
      );
    const overSocket: number[] = [];
    for (let i = 0; i < 6; i++) overSocket.push((await initialize((r) => fetch(r), server.url, i)).status);
    expect(overSocket).toEqual([200, 200, 200, 200, 200, 429]);

    const handler = createServer({ name: 'open', version: '1.0.0' })
      .build()
      .fetchHandler({ sessions: { maxNewPerCaller: 5 } });
    const inProcessStatuses: number[] = [];
    for (let i = 0; i < 6; i++)
      inProcessStatuses.push((await initialize(handler, 'http://127.0.0.1/mcp', i)).status);
    expect(inProcessStatuses).toEqual([200, 200, 200, 200, 200, 200]);
  });

  it('counts anonymous callers behind a trusted proxy by the address the proxy appended', async () => {
    server = await serveForTest(createServer({ name: 'open', version: '1.0.0' }), {
      sessions: { maxNewPerCaller: 2 },
      trustProxy: 1,
    });
    const url = server.url;
    const initialize = (forwardedFor: string, id: number) =>
      fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          // What a proxy sends: the client's own claim on the left, the peer it saw appended on the right.
          'x-forwarded-for': `198.51.100.${id}, ${forwardedFor}`,
        },
        body: JSON.stringify(initializeMessage(id, 'anon')),
      }).then((response) => response.status);
    const first: number[] = [];
    for (let i = 0; i < 3; i++) first.push(await initialize('203.0.113.7', i));
    // A rotating left-hand value does not buy a fresh count; another real client has its own.
    expect(first).toEqual([200, 200, 429]);
    expect(await initialize('203.0.113.8', 9)).toBe(200);
  });

  it('refuses a newcomer with a coded 503 when the store is full of recently active sessions', async () => {
    const { as } = inProcess({ sessions: { store: createMemorySessionStore({ maxSessions: 20 }) } });
    const alice = as('alice');
    const session = await alice.open();
    for (let i = 0; i < 19; i++) await as(`user${i}`).open();

    const newcomer = await as('newcomer').initialize(7);
    expect(newcomer.status).toBe(503);
    expect(newcomer.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await newcomer.json()).toMatchObject({
      id: 7,
      error: { data: { code: 'UPSTREAM_UNAVAILABLE', retryable: true } },
    });
    expect((await alice.call(session, 1)).status).toBe(200);
  });

  it('lets a session idle past evictIdleAfterMs make room, and only then', () => {
    let now = 0;
    const store = createMemorySessionStore({ maxSessions: 2, evictIdleAfterMs: 60_000, now: () => now });
    const record = {
      protocolVersion: LEGACY_VERSION,
      clientInfo: undefined,
      clientCapabilities: {},
      logLevel: undefined,
      subscriptions: [],
    };
    store.set('a', record);
    store.set('b', record);
    now = 59_000;
    expect(() => store.set('c', record)).toThrow(
      expect.objectContaining({ code: 'UPSTREAM_UNAVAILABLE', retryAfterMs: 1_000 }),
    );
    store.get('a');
    now = 70_000;
    store.set('c', record);
    expect(store.get('b')).toBeUndefined();
    expect(store.get('a')).toBe(record);
  });

  it('counts new sessions per caller in a sliding window', () => {
    let now = 0;
    const admission = new SessionAdmission({ maxPerCaller: 3, windowMs: 10_000, now: () => now });
    for (let i = 0; i < 3; i++) admission.admit('erin');
    expect(() => admission.admit('erin')).toThrow(
      expect.objectContaining({ code: 'RATE_LIMITED', retryAfterMs: 10_000 }),
    );
    admission.admit('frank');
    now = 25_000;
    admission.admit('erin');
  });

  it('counts IPv6 callers by their /64 and IPv4-mapped callers as IPv4', () => {
    expect(addressBucket('2001:db8:1:2:aaaa::1')).toBe(addressBucket('2001:0db8:1:2:bbbb:cccc:dddd:eeee'));
    expect(addressBucket('2001:db8:1:2::1')).not.toBe(addressBucket('2001:db8:1:3::1'));
    expect(addressBucket('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(addressBucket(undefined)).toBe('unknown');
  });
});
