// What the stdio guide (docs/guide/stdio.md) says about identity on stdio, checked over real
// newline-delimited JSON-RPC streams: launch-environment header sources, explicit headers, an
// auth plugin's credential from the environment, and the answer to a line that is not JSON.
import { PassThrough } from 'node:stream';
import { createServer, type ServerBuilder, type StdioOptions } from '@mcpkit/core';
import { apiKey, hashApiKey } from '@mcpkit/middleware';
import { describe, expect, it } from 'vitest';

interface RpcAnswer {
  id: number | null;
  result?: { content?: Array<{ text?: string }>; isError?: boolean; tools?: unknown[] };
  error?: { code: number; data?: { code?: string } };
}

/** Runs a legacy-era stdio session: initialize, then each request; resolves to the answers by id. */
async function session(
  builder: ServerBuilder,
  options: Pick<StdioOptions, 'env' | 'headers'>,
  requests: Array<{ method: string; params?: Record<string, unknown> } | string>,
): Promise<RpcAnswer[]> {
  const input = new PassThrough();
  const output = new PassThrough();
  let text = '';
  output.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  const handle = builder.stdio({ input, output, ...options });
  const send = (message: unknown) => input.write(`${JSON.stringify(message)}\n`);
  send({
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: {
      protocolVersion: '2025-11-25',
      capabilities: {},
      clientInfo: { name: 'desktop', version: '1' },
    },
  });
  send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  const expected = requests.length + 1;
  requests.forEach((request, i) => {
    if (typeof request === 'string') input.write(`${request}\n`);
    else send({ jsonrpc: '2.0', id: i + 1, ...request });
  });
  await expect.poll(() => text.split('\n').filter((line) => line !== '').length).toBe(expected);
  input.end();
  await handle.closed;
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as RpcAnswer)
    .filter((answer) => answer.id !== 0);
}

const call = (name: string) => ({ method: 'tools/call', params: { name, arguments: {} } });

describe('identity on stdio', () => {
  it('presents launch-environment header sources and explicit headers on every request', async () => {
    const builder = createServer({ name: 'crm', version: '1.0.0' })
      .stdioHeaders((env) => ({ 'x-tenant-id': env.TENANT_ID }))
      .tool('whoami', {
        description: 'Names the tenant of the caller',
        handler: (_args, ctx) => `tenant=${ctx.headers['x-tenant-id']} by=${ctx.headers['x-launched-by']}`,
      });
    const [answer] = await session(
      builder,
      { env: { TENANT_ID: 'acme' }, headers: { 'X-Launched-By': 'desktop' } },
      [call('whoami')],
    );
    expect(answer?.result?.content?.[0]?.text).toBe('tenant=acme by=desktop');
  });

  it('authenticates an apiKey() server from MCP_API_KEY in the launch environment', async () => {
    const builder = () =>
      createServer({ name: 'billing', version: '1.0.0' })
        .use(apiKey({ keys: [{ hash: hashApiKey('desktop-key-0123456789'), subject: 'ada' }] }))
        .tool('whoami', {
          description: 'Names the caller',
          handler: (_args, ctx) => ctx.auth?.subject ?? '-',
        });

    const [listed, called] = await session(builder(), { env: { MCP_API_KEY: 'desktop-key-0123456789' } }, [
      { method: 'tools/list', params: {} },
      call('whoami'),
    ]);
    expect(listed?.result?.tools).toHaveLength(1);
    expect(called?.result?.content?.[0]?.text).toBe('ada');

    const [refusedList, refusedCall] = await session(builder(), { env: {} }, [
      { method: 'tools/list', params: {} },
      call('whoami'),
    ]);
    expect(refusedList?.error?.code).toBe(-32600);
    expect(refusedList?.error?.data?.code).toBe('UNAUTHORIZED');
    expect(refusedCall?.result?.isError).toBe(true);
    expect(refusedCall?.result?.content?.[0]?.text).toContain('MCP_API_KEY');
  });

  it('answers a line that is not JSON with -32700 and keeps serving', async () => {
    const builder = createServer({ name: 'local', version: '1.0.0' }).tool('ping', {
      description: 'Answers pong',
      handler: () => 'pong',
    });
    const answers = await session(builder, { env: {} }, ['this is not json', call('ping')]);
    expect(answers.find((answer) => answer.id === null)?.error?.code).toBe(-32700);
    expect(answers.find((answer) => answer.id === 2)?.result?.content?.[0]?.text).toBe('pong');
  });
});
