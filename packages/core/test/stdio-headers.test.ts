import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createServer, McpkitError, META, type Plugin, silentLogger } from '../src/index.js';

const MODERN_META = {
  [META.protocolVersion]: '2026-07-28',
  [META.clientInfo]: { name: 'raw', version: '1.0.0' },
  [META.clientCapabilities]: {},
};

/** A plugin that, like an auth plugin, finds its credential in `ctx.headers` and names it on stdio. */
const launchKey: Plugin = {
  name: 'launch-key',
  install(builder) {
    builder.stdioHeaders((env) => ({ 'X-Launch-Key': env.LAUNCH_KEY, 'x-unset': env.NOT_SET }));
    builder.use((ctx, next) => {
      if (ctx.headers['x-launch-key'] !== 'k-1') {
        throw new McpkitError('UNAUTHORIZED', 'A launch key is required.', {
          details: { reason: 'missing' },
        });
      }
      ctx.auth = { subject: 'launcher', scopes: [] };
      return next();
    });
  },
};

/** Serves a server over in-memory stdio streams and sends one modern request per call. */
function open(env: Record<string, string | undefined>, headers?: Record<string, string>) {
  const input = new PassThrough();
  const output = new PassThrough();
  const seen: Array<Readonly<Record<string, string | undefined>>> = [];
  const handle = createServer({ name: 'stdio-headers', version: '1.0.0', logger: silentLogger })
    .use(launchKey)
    .tool('headers', {
      description: 'Echoes the headers the call carried',
      handler: (_args, ctx) => {
        seen.push(ctx.headers);
        return ctx.auth?.subject ?? '-';
      },
    })
    .stdio({ input, output, env, ...(headers ? { headers } : {}) });
  const replies: Array<Record<string, unknown>> = [];
  let buffer = '';
  output.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    let newline = buffer.indexOf('\n');
    while (newline >= 0) {
      replies.push(JSON.parse(buffer.slice(0, newline)) as Record<string, unknown>);
      buffer = buffer.slice(newline + 1);
      newline = buffer.indexOf('\n');
    }
  });
  let id = 0;
  const request = async (method: string, params: Record<string, unknown> = {}) => {
    const own = ++id;
    input.write(
      `${JSON.stringify({ jsonrpc: '2.0', id: own, method, params: { ...params, _meta: MODERN_META } })}\n`,
    );
    while (!replies.some((reply) => reply.id === own)) await new Promise((resolve) => setImmediate(resolve));
    return replies.find((reply) => reply.id === own) as {
      result?: Record<string, unknown>;
      error?: { code: number; data?: Record<string, unknown> };
    };
  };
  return { request, seen, close: () => handle.close() };
}

describe('stdio headers from the launch environment', () => {
  it('presents the variables plugins name as lower-cased headers on every request, and leaves unset ones out', async () => {
    const stdio = open({ LAUNCH_KEY: 'k-1' });
    const listed = await stdio.request('tools/list');
    expect(listed.result?.tools).toMatchObject([{ name: 'headers' }]);
    const called = await stdio.request('tools/call', { name: 'headers', arguments: {} });
    expect(called.result?.content).toEqual([{ type: 'text', text: 'launcher' }]);
    expect(stdio.seen).toEqual([{ 'x-launch-key': 'k-1' }]);
    await stdio.close();
  });

  it('lets explicit headers override what the environment gave', async () => {
    const stdio = open({ LAUNCH_KEY: 'wrong' }, { 'x-launch-key': 'k-1', 'x-extra': 'yes' });
    await stdio.request('tools/call', { name: 'headers', arguments: {} });
    expect(stdio.seen).toEqual([{ 'x-launch-key': 'k-1', 'x-extra': 'yes' }]);
    await stdio.close();
  });

  it('refuses a list request without the credential with -32600 UNAUTHORIZED, as the HTTP edge does', async () => {
    const stdio = open({});
    const refused = await stdio.request('tools/list');
    expect(refused.error?.code).toBe(-32600);
    expect(refused.error?.data).toMatchObject({ code: 'UNAUTHORIZED', details: { reason: 'missing' } });
    const call = await stdio.request('tools/call', { name: 'headers', arguments: {} });
    expect(call.result?.isError).toBe(true);
    expect(call.result?.structuredContent).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
    await stdio.close();
  });
});
