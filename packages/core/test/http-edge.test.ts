import { connect } from 'node:net';
import { createServer, jsonSchema, type ServeOptions, SUPPORTED_VERSIONS } from '@mcpkit/core';
import { serveForTest, type TestServer } from '@mcpkit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import {
  envelope,
  LEGACY_VERSION,
  legacyHeaders,
  MODERN_VERSION,
  modernHeaders,
  post,
  postLegacy,
  postModern,
  type RawResponse,
  rawRequest,
} from './fixtures/http-wire.js';

const MAX_BODY = 1_024;

function buildApp() {
  return createServer({ name: 'http-edge', version: '3.1.4' })
    .tool('echo', {
      description: 'Echoes its text',
      input: z.object({ text: z.string() }),
      handler: ({ text }) => text,
    })
    .tool('regional', {
      description: 'Answers with the region it was routed to',
      input: jsonSchema({
        type: 'object',
        properties: { region: { type: 'string', 'x-mcp-header': 'Region' }, level: { type: 'integer' } },
      }),
      handler: (args) => `region=${String(args.region ?? 'none')}`,
    })
    .prompt('hello', { description: 'Says hello', get: () => 'hello' });
}

let server: TestServer | undefined;

async function serve(options: ServeOptions = {}): Promise<TestServer> {
  server = await serveForTest(buildApp(), { maxBodyBytes: MAX_BODY, ...options });
  return server;
}

afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** What every test reads back: status, content type and body text. */
interface Answer {
  status: number;
  contentType: string;
  allow: string | null;
  text: string;
}

async function answerOf(response: Response): Promise<Answer> {
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    allow: response.headers.get('allow'),
    text: await response.text(),
  };
}

function answerOfRaw(response: RawResponse): Answer {
  const allow = response.headers.allow;
  return {
    status: response.status,
    contentType: String(response.headers['content-type'] ?? ''),
    allow: typeof allow === 'string' ? allow : null,
    text: response.text,
  };
}

/** Asserts a well-formed JSON-RPC error body: `jsonrpc: "2.0"`, numeric code, a message, and the id (`null` when unreadable). */
function expectRpcError(answer: Answer, code: number, id?: string | number): Record<string, unknown> {
  expect(answer.contentType).toMatch(/^application\/json/);
  const body = JSON.parse(answer.text) as Record<string, unknown>;
  expect(body.jsonrpc).toBe('2.0');
  expect(body.error).toEqual(expect.objectContaining({ code, message: expect.any(String) }));
  if (id === undefined) expect(body).toHaveProperty('id', null);
  else expect(body.id).toBe(id);
  return body;
}

/** The server still answers a well-formed request after whatever came before. */
async function expectAlive(url: string): Promise<void> {
  const response = await postModern(url, 'alive', 'tools/call', { name: 'echo', arguments: { text: 'ok' } });
  expect(response.status).toBe(200);
  expect(await response.json()).toMatchObject({
    jsonrpc: '2.0',
    id: 'alive',
    result: { content: [{ type: 'text', text: 'ok' }] },
  });
}

const jsonHeaders = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

interface EdgeCase {
  name: string;
  send: (url: string) => Promise<Answer>;
  status: number;
  code: number;
  id?: string | number;
}

const cases: EdgeCase[] = [
  {
    name: 'malformed JSON → 400 Parse error',
    send: async (url) => answerOf(await post(url, '{"jsonrpc":"2.0","id":1,"method":', jsonHeaders)),
    status: 400,
    code: -32700,
  },
  {
    name: 'text/plain body → 415',
    send: async (url) =>
      answerOf(
        await post(
          url,
          { jsonrpc: '2.0', id: 1, method: 'tools/list' },
          { ...jsonHeaders, 'content-type': 'text/plain' },
        ),
      ),
    status: 415,
    code: -32600,
  },
  {
    name: 'no Content-Type at all → 415',
    send: async (url) =>
      answerOfRaw(
        await rawRequest(url, {
          headers: { accept: 'application/json' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
        }),
      ),
    status: 415,
    code: -32600,
  },
  {
    name: 'Accept that excludes JSON and SSE → 406',
    send: async (url) =>
      answerOf(
        await post(
          url,
          { jsonrpc: '2.0', id: 1, method: 'tools/list' },
          { ...jsonHeaders, accept: 'text/html' },
        ),
      ),
    status: 406,
    code: -32600,
  },
  {
    name: 'body over maxBodyBytes with Content-Length → 413',
    send: async (url) =>
      answerOf(
        await post(
          url,
          {
            jsonrpc: '2.0',
            id: 1,
            method: 'tools/call',
            params: { name: 'echo', arguments: { text: 'x'.repeat(4_000) } },
          },
          jsonHeaders,
        ),
      ),
    status: 413,
    code: -32600,
  },
  {
    name: 'chunked body growing past maxBodyBytes → 413',
    send: async (url) =>
      answerOfRaw(
        await rawRequest(url, {
          headers: jsonHeaders,
          chunks: Array.from({ length: 8 }, () => ' '.repeat(400)),
        }),
      ),
    status: 413,
    code: -32600,
  },
  {
    name: 'JSON-RPC batch → 400',
    send: async (url) =>
      answerOf(
        await post(
          url,
          [
            { jsonrpc: '2.0', id: 1, method: 'tools/list' },
            { jsonrpc: '2.0', id: 2, method: 'prompts/list' },
          ],
          jsonHeaders,
        ),
      ),
    status: 400,
    code: -32600,
  },
  {
    name: 'non-string method → 400 Invalid Request with the id echoed',
    send: async (url) => answerOf(await post(url, { jsonrpc: '2.0', id: 5, method: 42 }, jsonHeaders)),
    status: 400,
    code: -32600,
    id: 5,
  },
  {
    name: 'wrong jsonrpc version → 400 Invalid Request with the id echoed',
    send: async (url) =>
      answerOf(await post(url, { jsonrpc: '1.0', id: 'v1', method: 'tools/list' }, jsonHeaders)),
    status: 400,
    code: -32600,
    id: 'v1',
  },
  {
    name: 'array params → 400 Invalid Request',
    send: async (url) =>
      answerOf(await post(url, { jsonrpc: '2.0', id: 6, method: 'tools/list', params: [1, 2] }, jsonHeaders)),
    status: 400,
    code: -32600,
    id: 6,
  },
  {
    name: 'object id → 400 Invalid Request with id null',
    send: async (url) =>
      answerOf(await post(url, { jsonrpc: '2.0', id: { nested: true }, method: 'tools/list' }, jsonHeaders)),
    status: 400,
    code: -32600,
  },
  {
    name: 'a JSON scalar → 400 Invalid Request',
    send: async (url) => answerOf(await post(url, '"hello"', jsonHeaders)),
    status: 400,
    code: -32600,
  },
  {
    name: 'JSON null → 400 Invalid Request',
    send: async (url) => answerOf(await post(url, 'null', jsonHeaders)),
    status: 400,
    code: -32600,
  },
  {
    name: 'modern unknown method → 404 Method not found with the id echoed',
    send: async (url) => answerOf(await postModern(url, 31, 'unknown/method')),
    status: 404,
    code: -32601,
    id: 31,
  },
  {
    name: 'modern initialize (removed in 2026) → 404 Method not found',
    send: async (url) =>
      answerOf(
        await postModern(url, 32, 'initialize', {
          protocolVersion: LEGACY_VERSION,
          capabilities: {},
          clientInfo: { name: 'x', version: '1' },
        }),
      ),
    status: 404,
    code: -32601,
    id: 32,
  },
  {
    name: 'modern ping (removed in 2026) → 404 Method not found',
    send: async (url) => answerOf(await postModern(url, 33, 'ping')),
    status: 404,
    code: -32601,
    id: 33,
  },
  {
    name: 'legacy unknown method → JSON-RPC Method not found with the id echoed',
    send: async (url) => answerOf(await postLegacy(url, 34, 'unknown/method')),
    status: 200,
    code: -32601,
    id: 34,
  },
  {
    // A 404 would read as "session gone" to a legacy client.
    name: 'legacy call of a modern-only method → JSON-RPC Method not found with status 200',
    send: async (url) => answerOf(await postLegacy(url, 35, 'server/discover')),
    status: 200,
    code: -32601,
    id: 35,
  },
  {
    name: 'header and envelope both v999.0.0 → 400 Unsupported protocol version',
    send: async (url) => {
      const params = { _meta: { ...envelope(), 'io.modelcontextprotocol/protocolVersion': 'v999.0.0' } };
      const headers = { ...modernHeaders('tools/list'), 'mcp-protocol-version': 'v999.0.0' };
      return answerOf(await post(url, { jsonrpc: '2.0', id: 41, method: 'tools/list', params }, headers));
    },
    status: 400,
    code: -32022,
    id: 41,
  },
  {
    name: 'legacy request with an unknown MCP-Protocol-Version header → 400 Unsupported protocol version',
    send: async (url) =>
      answerOf(
        await post(
          url,
          { jsonrpc: '2.0', id: 42, method: 'tools/list' },
          { ...jsonHeaders, 'mcp-protocol-version': '1999-01-01' },
        ),
      ),
    status: 400,
    code: -32022,
    id: 42,
  },
  {
    name: 'header 2026-07-28 with envelope v999.0.0 → 400 Header mismatch',
    send: async (url) => {
      const params = { _meta: { ...envelope(), 'io.modelcontextprotocol/protocolVersion': 'v999.0.0' } };
      return answerOf(
        await post(
          url,
          { jsonrpc: '2.0', id: 43, method: 'tools/list', params },
          modernHeaders('tools/list'),
        ),
      );
    },
    status: 400,
    code: -32020,
    id: 43,
  },
  {
    name: 'legacy header with a modern envelope → 400 Header mismatch',
    send: async (url) =>
      answerOf(
        await postModern(url, 44, 'tools/list', {}, { headers: { 'mcp-protocol-version': LEGACY_VERSION } }),
      ),
    status: 400,
    code: -32020,
    id: 44,
  },
  {
    name: 'modern envelope without an MCP-Protocol-Version header → 400 Header mismatch',
    send: async (url) => {
      const { 'mcp-protocol-version': _dropped, ...headers } = modernHeaders('tools/list');
      return answerOf(
        await post(
          url,
          { jsonrpc: '2.0', id: 45, method: 'tools/list', params: { _meta: envelope() } },
          headers,
        ),
      );
    },
    status: 400,
    code: -32020,
    id: 45,
  },
  {
    name: 'modern header without any _meta → 400 Invalid params',
    send: async (url) =>
      answerOf(
        await post(
          url,
          { jsonrpc: '2.0', id: 46, method: 'server/discover', params: {} },
          modernHeaders('server/discover'),
        ),
      ),
    status: 400,
    code: -32602,
    id: 46,
  },
  {
    name: 'envelope without clientCapabilities → 400 Invalid params',
    send: async (url) => {
      const { 'io.modelcontextprotocol/clientCapabilities': _dropped, ...meta } = envelope();
      return answerOf(
        await post(
          url,
          { jsonrpc: '2.0', id: 47, method: 'tools/list', params: { _meta: meta } },
          modernHeaders('tools/list'),
        ),
      );
    },
    status: 400,
    code: -32602,
    id: 47,
  },
  {
    name: 'missing Mcp-Method → 400 Header mismatch',
    send: async (url) => {
      const { 'mcp-method': _dropped, ...headers } = modernHeaders('tools/list');
      return answerOf(
        await post(
          url,
          { jsonrpc: '2.0', id: 51, method: 'tools/list', params: { _meta: envelope() } },
          headers,
        ),
      );
    },
    status: 400,
    code: -32020,
    id: 51,
  },
  {
    name: 'Mcp-Method naming another method → 400 Header mismatch',
    send: async (url) =>
      answerOf(await postModern(url, 52, 'tools/list', {}, { headers: { 'mcp-method': 'prompts/list' } })),
    status: 400,
    code: -32020,
    id: 52,
  },
  {
    name: 'Mcp-Method differing only in case → 400 Header mismatch',
    send: async (url) =>
      answerOf(await postModern(url, 53, 'tools/list', {}, { headers: { 'mcp-method': 'TOOLS/LIST' } })),
    status: 400,
    code: -32020,
    id: 53,
  },
  {
    name: 'tools/call without Mcp-Name → 400 Header mismatch',
    send: async (url) => {
      const params = { name: 'echo', arguments: { text: 'hi' }, _meta: envelope() };
      return answerOf(
        await post(
          url,
          { jsonrpc: '2.0', id: 54, method: 'tools/call', params },
          modernHeaders('tools/call'),
        ),
      );
    },
    status: 400,
    code: -32020,
    id: 54,
  },
  {
    name: 'Mcp-Name naming another tool → 400 Header mismatch',
    send: async (url) =>
      answerOf(
        await postModern(
          url,
          55,
          'tools/call',
          { name: 'echo', arguments: { text: 'hi' } },
          { headers: { 'mcp-name': 'wrong_tool_name' } },
        ),
      ),
    status: 400,
    code: -32020,
    id: 55,
  },
  {
    name: 'prompts/get with a mismatched Mcp-Name → 400 Header mismatch',
    send: async (url) =>
      answerOf(
        await postModern(url, 56, 'prompts/get', { name: 'hello' }, { headers: { 'mcp-name': 'bye' } }),
      ),
    status: 400,
    code: -32020,
    id: 56,
  },
  {
    name: 'Mcp-Param header with invalid Base64 → 400 Header mismatch',
    send: async (url) =>
      answerOf(
        await postModern(
          url,
          61,
          'tools/call',
          { name: 'regional', arguments: { region: 'eu-west' } },
          { headers: { 'mcp-param-region': '=?base64?not*base64!?=' } },
        ),
      ),
    status: 400,
    code: -32020,
    id: 61,
  },
  {
    name: 'Mcp-Param header missing while the argument is given → 400 Header mismatch',
    send: async (url) =>
      answerOf(
        await postModern(url, 62, 'tools/call', { name: 'regional', arguments: { region: 'eu-west' } }),
      ),
    status: 400,
    code: -32020,
    id: 62,
  },
  {
    name: 'Mcp-Param header disagreeing with the argument → 400 Header mismatch',
    send: async (url) =>
      answerOf(
        await postModern(
          url,
          63,
          'tools/call',
          { name: 'regional', arguments: { region: 'eu-west' } },
          { headers: { 'mcp-param-region': 'us-east' } },
        ),
      ),
    status: 400,
    code: -32020,
    id: 63,
  },
  {
    name: 'Mcp-Param header without its argument → 400 Header mismatch',
    send: async (url) =>
      answerOf(
        await postModern(
          url,
          64,
          'tools/call',
          { name: 'regional', arguments: {} },
          { headers: { 'mcp-param-region': 'eu-west' } },
        ),
      ),
    status: 400,
    code: -32020,
    id: 64,
  },
  {
    name: 'PUT on the MCP endpoint → 405',
    send: async (url) => answerOf(await fetch(url, { method: 'PUT', headers: jsonHeaders, body: '{}' })),
    status: 405,
    code: -32600,
  },
  {
    name: 'PATCH on the MCP endpoint → 405',
    send: async (url) => answerOf(await fetch(url, { method: 'PATCH', headers: jsonHeaders, body: '{}' })),
    status: 405,
    code: -32600,
  },
];

describe('bad input at the HTTP edge', () => {
  it.each(cases)('$name, and the server keeps answering', async ({ send, status, code, id }) => {
    const { url } = await serve();
    const answer = await send(url);
    expect(answer.status).toBe(status);
    expectRpcError(answer, code, id);
    await expectAlive(url);
  });

  it('lists the supported versions and echoes the requested one in an unsupported-version error', async () => {
    const { url } = await serve();
    const params = { _meta: { ...envelope(), 'io.modelcontextprotocol/protocolVersion': 'v999.0.0' } };
    const headers = { ...modernHeaders('server/discover'), 'mcp-protocol-version': 'v999.0.0' };
    const answer = await answerOf(
      await post(url, { jsonrpc: '2.0', id: 301, method: 'server/discover', params }, headers),
    );
    expect(answer.status).toBe(400);
    const body = expectRpcError(answer, -32022, 301);
    expect((body.error as { data?: unknown }).data).toEqual({
      supported: [...SUPPORTED_VERSIONS],
      requested: 'v999.0.0',
    });
    expect(SUPPORTED_VERSIONS).toContain(MODERN_VERSION);
  });

  it('answers a modern method named like an Object.prototype member (toString) with 404 Method not found', async () => {
    const { url } = await serve();
    const answer = await answerOf(await postModern(url, 35, 'toString'));
    expect(answer.status).toBe(404);
    expectRpcError(answer, -32601, 35);
    await expectAlive(url);
  });

  it('refuses subscriptions/listen from a legacy client with Method not found', async () => {
    const { url } = await serve();
    const response = await postLegacy(url, 9, 'subscriptions/listen', {
      notifications: { toolsListChanged: true },
    });
    expect(await response.json()).toMatchObject({ jsonrpc: '2.0', id: 9, error: { code: -32601 } });
  });

  it('advertises the allowed methods on a 405', async () => {
    const { url } = await serve();
    const answer = await answerOf(await fetch(url, { method: 'PUT', headers: jsonHeaders, body: '{}' }));
    expect(answer.status).toBe(405);
    expect(answer.allow).toBe('GET, POST, DELETE');
  });

  it('answers an unknown path with 404', async () => {
    const { origin, url } = await serve();
    const answer = await answerOf(
      await post(`${origin}/not-mcp`, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, jsonHeaders),
    );
    expect(answer.status).toBe(404);
    expect(answer.contentType).toMatch(/^application\/json/);
    expect(() => JSON.parse(answer.text)).not.toThrow();
    await expectAlive(url);
  });

  it('answers an unknown path with a JSON-RPC error body like every other refusal', async () => {
    const { origin } = await serve();
    const answer = await answerOf(
      await post(`${origin}/not-mcp`, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, jsonHeaders),
    );
    expect(answer.status).toBe(404);
    const body = JSON.parse(answer.text) as Record<string, unknown>;
    expect(body.jsonrpc).toBe('2.0');
    expect(body.error).toEqual(
      expect.objectContaining({ code: expect.any(Number), message: expect.any(String) }),
    );
    // The body of a request to another path is never read: its id is unknown, hence null.
    expect(body).toHaveProperty('id', null);
  });

  it('accepts notifications and stray responses with 202 and an empty body', async () => {
    const { url } = await serve();
    const note = await post(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, legacyHeaders());
    expect(note.status).toBe(202);
    expect(await note.text()).toBe('');
    const stray = await post(url, { jsonrpc: '2.0', id: 999, result: {} }, legacyHeaders());
    expect(stray.status).toBe(202);
    expect(await stray.text()).toBe('');
    await expectAlive(url);
  });

  it('survives a client that hangs up in the middle of a body', async () => {
    const { url, handle } = await serve();
    await new Promise<void>((resolve, reject) => {
      const socket = connect(handle.port, '127.0.0.1', () => {
        socket.write(
          'POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"jsonrpc":',
        );
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 20);
      });
      socket.on('error', reject);
    });
    await expectAlive(url);
  });

  it('survives a burst of concurrent bad requests and still answers a good one', async () => {
    const { url } = await serve();
    const answers = await Promise.all(cases.flatMap((c) => [c.send(url), c.send(url)]));
    expect(answers.map((a) => a.status)).toEqual(cases.flatMap((c) => [c.status, c.status]));
    await expectAlive(url);
  });
});

describe('accepted header forms', () => {
  it('accepts an Mcp-Param value that equals the argument', async () => {
    const { url } = await serve();
    const response = await postModern(
      url,
      71,
      'tools/call',
      { name: 'regional', arguments: { region: 'eu-west' } },
      { headers: { 'mcp-param-region': 'eu-west' } },
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      id: 71,
      result: { content: [{ text: 'region=eu-west' }] },
    });
  });

  it('decodes a =?base64?…?= Mcp-Param value before comparing it', async () => {
    const { url } = await serve();
    const response = await postModern(
      url,
      72,
      'tools/call',
      { name: 'regional', arguments: { region: 'Zürich' } },
      { headers: { 'mcp-param-region': `=?base64?${b64('Zürich')}?=` } },
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id: 72, result: { content: [{ text: 'region=Zürich' }] } });
  });

  it('needs no Mcp-Param header when the annotated argument is absent', async () => {
    const { url } = await serve();
    const response = await postModern(url, 73, 'tools/call', { name: 'regional', arguments: { level: 2 } });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id: 73, result: { content: [{ text: 'region=none' }] } });
  });

  it('trims surrounding whitespace from Mcp-Name and takes header names in any case', async () => {
    const { url } = await serve();
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: 74,
      method: 'tools/call',
      params: { name: 'echo', arguments: { text: 'trimmed' }, _meta: envelope() },
    });
    const response = await rawRequest(url, {
      headers: {
        ...jsonHeaders,
        'MCP-PROTOCOL-VERSION': MODERN_VERSION,
        'MCP-METHOD': 'tools/call',
        'Mcp-Name': '  echo  ',
      },
      body,
    });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.text)).toMatchObject({ id: 74, result: { content: [{ text: 'trimmed' }] } });
  });
});

describe('request ids', () => {
  it('echoes a well-formed X-Request-Id and replaces a malformed one', async () => {
    const { url } = await serve();
    const call = (requestId: string) =>
      postModern(
        url,
        1,
        'tools/call',
        { name: 'echo', arguments: { text: 'id' } },
        { headers: { 'x-request-id': requestId } },
      );
    const kept = await call('req-123.abc');
    expect(kept.headers.get('x-request-id')).toBe('req-123.abc');
    await kept.body?.cancel();
    const replaced = await call('bad id with spaces');
    expect(replaced.headers.get('x-request-id')).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
    expect(replaced.headers.get('x-request-id')).not.toBe('bad id with spaces');
    await replaced.body?.cancel();
  });
});

describe('DNS-rebinding protection', () => {
  const discover = JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'server/discover',
    params: { _meta: envelope() },
  });
  const discoverHeaders = modernHeaders('server/discover');

  it('refuses a foreign Host with 403 and a JSON-RPC error', async () => {
    const { url } = await serve();
    const answer = answerOfRaw(
      await rawRequest(url, {
        headers: { ...discoverHeaders, host: 'evil.example.com', origin: 'http://evil.example.com' },
        body: discover,
      }),
    );
    expect(answer.status).toBe(403);
    expectRpcError(answer, -32600);
    await expectAlive(url);
  });

  it('refuses a foreign Origin on a loopback Host with 403', async () => {
    const { url, handle } = await serve();
    const answer = answerOfRaw(
      await rawRequest(url, {
        headers: { ...discoverHeaders, host: `127.0.0.1:${handle.port}`, origin: 'http://evil.example.com' },
        body: discover,
      }),
    );
    expect(answer.status).toBe(403);
    expectRpcError(answer, -32600);
  });

  it('refuses Origin "null" with 403', async () => {
    const { url } = await serve();
    const answer = answerOfRaw(
      await rawRequest(url, { headers: { ...discoverHeaders, origin: 'null' }, body: discover }),
    );
    expect(answer.status).toBe(403);
    expectRpcError(answer, -32600);
  });

  it('refuses a foreign Host before a legacy session is created', async () => {
    const { url } = await serve({ sessions: true });
    const response = await rawRequest(url, {
      headers: { ...jsonHeaders, host: 'evil.example.com', 'mcp-protocol-version': LEGACY_VERSION },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: LEGACY_VERSION,
          capabilities: {},
          clientInfo: { name: 'x', version: '1' },
        },
      }),
    });
    expect(response.status).toBe(403);
    expect(response.headers['mcp-session-id']).toBeUndefined();
  });

  it.each(['127.0.0.1', 'localhost', '[::1]'])(
    'accepts Host %s with its port and a matching Origin',
    async (name) => {
      const { url, handle } = await serve();
      const host = `${name}:${handle.port}`;
      const response = await rawRequest(url, {
        headers: { ...discoverHeaders, host, origin: `http://${host}` },
        body: discover,
      });
      expect(response.status).toBe(200);
      expect(JSON.parse(response.text)).toMatchObject({
        id: 1,
        result: { supportedVersions: expect.arrayContaining([MODERN_VERSION]) },
      });
    },
  );

  it('takes allowedHosts instead of the loopback names when given', async () => {
    const { url, handle } = await serve({ allowedHosts: ['mcp.example.com'] });
    const allowed = await rawRequest(url, {
      headers: { ...discoverHeaders, host: `mcp.example.com:${handle.port}` },
      body: discover,
    });
    expect(allowed.status).toBe(200);
    const loopback = await rawRequest(url, {
      headers: { ...discoverHeaders, host: `127.0.0.1:${handle.port}` },
      body: discover,
    });
    expect(loopback.status).toBe(403);
    expectRpcError(answerOfRaw(loopback), -32600);
  });

  it('takes allowedOrigins as the exact list of accepted origins', async () => {
    const { url, handle } = await serve({ allowedOrigins: ['https://app.example.com'] });
    const listed = await rawRequest(url, {
      headers: { ...discoverHeaders, origin: 'https://app.example.com' },
      body: discover,
    });
    expect(listed.status).toBe(200);
    const unlisted = await rawRequest(url, {
      headers: { ...discoverHeaders, origin: `http://127.0.0.1:${handle.port}` },
      body: discover,
    });
    expect(unlisted.status).toBe(403);
  });

  it('turns the Host check off with an empty allowedHosts list', async () => {
    const { url } = await serve({ allowedHosts: [] });
    const response = await rawRequest(url, {
      headers: { ...discoverHeaders, host: 'evil.example.com' },
      body: discover,
    });
    expect(response.status).toBe(200);
  });

  it('still checks allowedOrigins when the Host check is off', async () => {
    const { url } = await serve({ allowedHosts: [], allowedOrigins: ['https://app.example.com'] });
    const foreign = await rawRequest(url, {
      headers: { ...discoverHeaders, host: 'mcp.example.com', origin: 'https://evil.example.com' },
      body: discover,
    });
    expect(foreign.status).toBe(403);
    const listed = await rawRequest(url, {
      headers: { ...discoverHeaders, host: 'mcp.example.com', origin: 'https://app.example.com' },
      body: discover,
    });
    expect(listed.status).toBe(200);
  });
});
