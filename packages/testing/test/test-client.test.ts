import { createServer as createNetServer } from 'node:net';
import { createServer, McpkitError } from '@mcpkit/core';
import {
  type CapturedProgress,
  connectTestClient,
  createTestClient,
  expectToolError,
  resultText,
  serveForTest,
  type TestClient,
  type TestServer,
  ToolErrorAssertion,
} from '@mcpkit/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as z from 'zod';

const eras = ['modern', 'legacy'] as const;

/** A small app exercising what the test client captures; a fresh builder per call. */
function app() {
  return createServer({ name: 'testing-test', version: '1.2.3' })
    .tool('echo', {
      description: 'Echoes a text',
      input: z.object({ text: z.string() }),
      handler: ({ text }) => text,
    })
    .tool('two_texts', {
      description: 'Returns two text blocks around an image',
      handler: () => [
        { type: 'text', text: 'first' },
        { type: 'image', data: 'AAAA', mimeType: 'image/png' },
        { type: 'text', text: 'second' },
      ],
    })
    .tool('fail', {
      description: 'Fails with a coded error',
      handler: () => {
        throw new McpkitError('RATE_LIMITED', 'Slow down', { retryAfterMs: 1_500, hint: 'Wait a little.' });
      },
    })
    .tool('plain_error', {
      description: 'Returns an isError result without a coded payload',
      handler: () => ({ content: [{ type: 'text', text: 'nope' }], isError: true }),
    })
    .tool('chatty', {
      description: 'Logs at debug and info',
      handler: (_args, ctx) => {
        ctx.log('debug', { step: 1 }, 'chatty');
        ctx.log('info', 'halfway');
        return 'done';
      },
    })
    .tool('steps', {
      description: 'Reports progress twice',
      handler: async (_args, ctx) => {
        ctx.progress(1, 2, 'one');
        await new Promise((resolve) => setTimeout(resolve, 10));
        ctx.progress(2, 2, 'two');
        return 'stepped';
      },
    })
    .tool('whoami', {
      description: 'Describes what the server sees of the request',
      handler: (_args, ctx) =>
        JSON.stringify({
          era: ctx.era,
          protocolVersion: ctx.protocolVersion,
          tenant: ctx.headers['x-tenant'] ?? null,
          client: ctx.client.info?.name ?? null,
          capabilities: ctx.client.capabilities,
          meta: (ctx.params._meta as Record<string, unknown> | undefined)?.['test/marker'] ?? null,
        }),
    });
}

type Whoami = {
  era: string;
  protocolVersion: string;
  tenant: string | null;
  client: string | null;
  capabilities: Record<string, unknown>;
  meta: unknown;
};

async function whoami(client: TestClient, meta?: Record<string, unknown>): Promise<Whoami> {
  return JSON.parse(resultText(await client.callTool('whoami', {}, meta ? { meta } : {}))) as Whoami;
}

const open: TestClient[] = [];
const servers: TestServer[] = [];

/** Tracks a client so afterEach closes it even when an assertion fails first. */
function track(client: TestClient): TestClient {
  open.push(client);
  return client;
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((client) => client.close().catch(() => undefined)));
  await Promise.all(servers.splice(0).map((server) => server.close().catch(() => undefined)));
});

describe('createTestClient', () => {
  it('accepts a builder and builds it', async () => {
    const client = track(await createTestClient(app()));
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain('echo');
    expect(resultText(await client.callTool('echo', { text: 'hi' }))).toBe('hi');
  });

  it('accepts an already built server', async () => {
    const server = app().build();
    const client = track(await createTestClient(server));
    expect(resultText(await client.callTool('echo', { text: 'built' }))).toBe('built');
  });

  it('lets several clients share one built server', async () => {
    const server = app().build();
    const a = track(await createTestClient(server, { era: 'modern' }));
    const b = track(await createTestClient(server, { era: 'legacy' }));
    expect(resultText(await a.callTool('echo', { text: 'a' }))).toBe('a');
    expect(resultText(await b.callTool('echo', { text: 'b' }))).toBe('b');
  });

  it('speaks the modern era by default', async () => {
    const client = track(await createTestClient(app()));
    expect(client.era).toBe('modern');
    expect(await whoami(client)).toMatchObject({ era: 'modern', protocolVersion: '2026-07-28' });
  });

  it.each(eras)('lands on the %s era when asked', async (era) => {
    const client = track(await createTestClient(app(), { era }));
    expect(client.era).toBe(era);
    expect(client.client.getProtocolEra()).toBe(era);
    const seen = await whoami(client);
    expect(seen.era).toBe(era);
    expect(seen.protocolVersion).toBe(era === 'modern' ? '2026-07-28' : '2025-11-25');
  });

  it.each(eras)('reports its client name to the server (%s era)', async (era) => {
    const defaulted = track(await createTestClient(app(), { era }));
    expect((await whoami(defaulted)).client).toBe('mcpkit-test-client');
    const named = track(await createTestClient(app(), { era, clientName: 'my-agent' }));
    expect((await whoami(named)).client).toBe('my-agent');
  });

  it.each(eras)('declares the capabilities its handlers imply (%s era)', async (era) => {
    const bare = track(await createTestClient(app(), { era }));
    expect((await whoami(bare)).capabilities).toEqual({});
    const full = track(
      await createTestClient(app(), {
        era,
        elicitation: () => ({ action: 'decline' }),
        sampling: () => ({ model: 'm', role: 'assistant', content: { type: 'text', text: 'x' } }),
        roots: [{ uri: 'file:///tmp' }],
      }),
    );
    expect((await whoami(full)).capabilities).toEqual({ elicitation: {}, sampling: {}, roots: {} });
  });

  it.each(eras)('exposes the headers option as ctx.headers, lower-cased (%s era)', async (era) => {
    const client = track(await createTestClient(app(), { era, headers: { 'X-Tenant': 'acme' } }));
    expect((await whoami(client)).tenant).toBe('acme');
  });

  it.each(eras)('sends the meta call option in the request _meta (%s era)', async (era) => {
    const client = track(await createTestClient(app(), { era }));
    expect((await whoami(client, { 'test/marker': 'here' })).meta).toBe('here');
  });

  it.each(eras)('hands progress notifications to onProgress (%s era)', async (era) => {
    const client = track(await createTestClient(app(), { era }));
    const seen: CapturedProgress[] = [];
    const result = await client.callTool('steps', {}, { onProgress: (p) => seen.push(p) });
    expect(resultText(result)).toBe('stepped');
    expect(seen).toEqual([
      { progress: 1, total: 2, message: 'one' },
      { progress: 2, total: 2, message: 'two' },
    ]);
  });
});

describe('captured logs', () => {
  it('captures every log message in the legacy era when no level was set', async () => {
    const client = track(await createTestClient(app(), { era: 'legacy' }));
    await client.callTool('chatty');
    await vi.waitFor(() => expect(client.logs).toHaveLength(2));
    expect(client.logs).toEqual([
      { level: 'debug', data: { step: 1 }, logger: 'chatty' },
      { level: 'info', data: 'halfway' },
    ]);
  });

  it.each(eras)('filters log messages below the logLevel option (%s era)', async (era) => {
    const client = track(await createTestClient(app(), { era, logLevel: 'info' }));
    expect(resultText(await client.callTool('chatty'))).toBe('done');
    await vi.waitFor(() => expect(client.logs).toHaveLength(1));
    expect(client.logs).toEqual([{ level: 'info', data: 'halfway' }]);
  });

  it('captures modern-era logs when the logLevel option asks for them', async () => {
    const client = track(await createTestClient(app(), { era: 'modern', logLevel: 'debug' }));
    await client.callTool('chatty');
    await vi.waitFor(() => expect(client.logs).toHaveLength(2));
    expect(client.logs.map((log) => log.level)).toEqual(['debug', 'info']);
  });

  it('receives no modern-era logs when the client did not ask for any', async () => {
    const client = track(await createTestClient(app(), { era: 'modern' }));
    expect(resultText(await client.callTool('chatty'))).toBe('done');
    expect(client.logs).toEqual([]);
  });
});

describe('captured notifications', () => {
  it('captures list-change notifications the server announces in the legacy era', async () => {
    const server = app()
      .prompt('hello', { description: 'Says hello', get: () => 'hello' })
      .resource('test://thing', { name: 'thing', read: () => 'thing' })
      .build();
    const client = track(await createTestClient(server, { era: 'legacy' }));
    server.notifyToolsChanged();
    server.notifyPromptsChanged();
    server.notifyResourcesChanged();
    await vi.waitFor(() => expect(client.notifications).toHaveLength(3));
    expect(client.notifications).toEqual([
      { method: 'notifications/tools/list_changed' },
      { method: 'notifications/prompts/list_changed' },
      { method: 'notifications/resources/list_changed' },
    ]);
    expect(client.logs).toEqual([]);
  });

  it('captures resource-updated notifications for a subscribed URI', async () => {
    const server = app()
      .resource('test://thing', { name: 'thing', read: () => 'thing' })
      .resource('test://other', { name: 'other', read: () => 'other' })
      .build();
    const client = track(await createTestClient(server, { era: 'legacy' }));
    await client.client.subscribeResource({ uri: 'test://thing' });
    server.notifyResourceUpdated('test://other');
    server.notifyResourceUpdated('test://thing');
    await vi.waitFor(() => expect(client.notifications).toHaveLength(1));
    expect(client.notifications).toEqual([
      { method: 'notifications/resources/updated', params: { uri: 'test://thing' } },
    ]);
  });
});

describe('expectToolError', () => {
  it.each(eras)('returns the coded payload of a failed call (%s era)', async (era) => {
    const client = track(await createTestClient(app(), { era }));
    const error = expectToolError(await client.callTool('fail'), 'RATE_LIMITED');
    expect(error).toMatchObject({
      code: 'RATE_LIMITED',
      message: 'Slow down',
      retryable: true,
      retryAfterMs: 1_500,
      hint: 'Wait a little.',
    });
    expect(error.requestId).toMatch(/.+/);
  });

  it('returns the payload when no code is given', async () => {
    const client = track(await createTestClient(app()));
    expect(expectToolError(await client.callTool('fail')).code).toBe('RATE_LIMITED');
  });

  it('throws ToolErrorAssertion on a successful result', async () => {
    const client = track(await createTestClient(app()));
    const success = await client.callTool('echo', { text: 'fine' });
    expect(() => expectToolError(success)).toThrow(ToolErrorAssertion);
    expect(() => expectToolError(success, 'NOT_FOUND')).toThrow(/got a success/);
  });

  it('throws ToolErrorAssertion when the code differs', async () => {
    const client = track(await createTestClient(app()));
    const failed = await client.callTool('fail');
    expect(() => expectToolError(failed, 'NOT_FOUND')).toThrow(ToolErrorAssertion);
    expect(() => expectToolError(failed, 'NOT_FOUND')).toThrow(/NOT_FOUND.*RATE_LIMITED/);
  });

  it('throws ToolErrorAssertion on an error result without a coded payload', async () => {
    const client = track(await createTestClient(app()));
    const failed = await client.callTool('plain_error');
    expect(failed.isError).toBe(true);
    expect(() => expectToolError(failed)).toThrow(ToolErrorAssertion);
  });

  it('names its error class for readable failures', () => {
    const error = new ToolErrorAssertion('x');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ToolErrorAssertion');
  });
});

describe('resultText', () => {
  it('joins the text blocks with newlines and skips other blocks', async () => {
    const client = track(await createTestClient(app()));
    expect(resultText(await client.callTool('two_texts'))).toBe('first\nsecond');
  });

  it('is empty for a result without text', () => {
    expect(resultText({ content: [] })).toBe('');
    expect(resultText({})).toBe('');
    expect(resultText({ content: [{ type: 'image' }] })).toBe('');
  });
});

describe('serveForTest', () => {
  it('serves on 127.0.0.1 with a port the OS picked', async () => {
    const server = await serveForTest(app());
    servers.push(server);
    const match = /^http:\/\/127\.0\.0\.1:(\d+)\/mcp$/.exec(server.url);
    expect(match).not.toBeNull();
    const port = Number(match?.[1]);
    expect(port).toBeGreaterThan(0);
    expect(server.handle.port).toBe(port);
    expect(server.origin).toBe(`http://127.0.0.1:${port}`);
    const health = await fetch(`${server.origin}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', version: '1.2.3' });
  });

  it('accepts a built server and exposes it', async () => {
    const built = app().build();
    const server = await serveForTest(built);
    servers.push(server);
    expect(server.server).toBe(built);
  });

  it('frees the port on close: later requests fail and the port can be bound again', async () => {
    const server = await serveForTest(app());
    const { origin } = server;
    const port = server.handle.port;
    expect((await fetch(`${origin}/healthz`)).status).toBe(200);
    await server.close();
    await expect(fetch(`${origin}/healthz`, { signal: AbortSignal.timeout(5_000) })).rejects.toThrow();
    const probe = createNetServer();
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen(port, '127.0.0.1', () => resolve());
    });
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  });

  it.each(eras)('serves connectTestClient in the %s era', async (era) => {
    const server = await serveForTest(app());
    servers.push(server);
    const client = track(await connectTestClient(server.url, { era }));
    expect(client.era).toBe(era);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain('echo');
    expect(resultText(await client.callTool('echo', { text: 'over http' }))).toBe('over http');
    expect(await whoami(client)).toMatchObject({ era });
    expectToolError(await client.callTool('fail'), 'RATE_LIMITED');
  });

  it.each(eras)('sends the headers option over HTTP (%s era)', async (era) => {
    const server = await serveForTest(app());
    servers.push(server);
    const client = track(await connectTestClient(server.url, { era, headers: { 'X-Tenant': 'globex' } }));
    expect((await whoami(client)).tenant).toBe('globex');
  });

  it.each(eras)('captures logs and progress over HTTP (%s era)', async (era) => {
    const server = await serveForTest(app());
    servers.push(server);
    const client = track(await connectTestClient(server.url, { era, logLevel: 'debug' }));
    const seen: CapturedProgress[] = [];
    await client.callTool('steps', {}, { onProgress: (p) => seen.push(p) });
    expect(seen.map((p) => p.progress)).toEqual([1, 2]);
    await client.callTool('chatty');
    await vi.waitFor(() => expect(client.logs).toHaveLength(2));
    expect(client.logs.map((log) => log.level)).toEqual(['debug', 'info']);
  });
});
