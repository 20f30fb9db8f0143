import { createClient, RemoteError } from '@mcpkit/client';
import { isMcpkitError } from '@mcpkit/core';
import { StreamConnection } from '@mcpkit/core/internal';
import { InMemoryTransport, type JSONRPCMessage } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import { invoiceServer } from './fixtures.js';

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((client) => client.close()));
});

describe.each(['modern', 'legacy', 'auto'] as const)('createClient in process (%s)', (era) => {
  it('calls a typed tool and resolves to its structured output', async () => {
    const { server } = invoiceServer();
    const client = await createClient(server, { era });
    open.push(client);
    expect(client.era).toBe(era === 'legacy' ? 'legacy' : 'modern');
    const invoice = await client.tools.get_invoice({ id: 'inv_1' });
    expect(invoice).toEqual({ id: 'inv_1', total: 42.5, currency: 'EUR' });
    const text = await client.tools.ping_text();
    expect(text.content).toEqual([{ type: 'text', text: 'pong' }]);
  });

  it('rejects a coded tool error as a RemoteError with code, hint and request id', async () => {
    const { server } = invoiceServer();
    const client = await createClient(server, { era });
    open.push(client);
    const error = await client.tools.get_invoice({ id: 'missing' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect(isMcpkitError(error)).toBe(true);
    const remote = error as RemoteError;
    expect(remote.code).toBe('NOT_FOUND');
    expect(remote.retryable).toBe(false);
    expect(remote.hint).toBe('List invoices first.');
    expect(remote.tool).toBe('get_invoice');
    expect(typeof remote.requestId).toBe('string');
  });

  it('never retries a tool that is not idempotent, and counts one attempt', async () => {
    const { server, calls } = invoiceServer();
    const client = await createClient(server, { era, retry: { baseDelayMs: 1 } });
    open.push(client);
    const error = await client.tools.charge({ amount: 5 }).catch((e: unknown) => e);
    expect((error as RemoteError).code).toBe('UPSTREAM_UNAVAILABLE');
    expect((error as RemoteError).retryable).toBe(true);
    expect(calls.charge).toBe(1);
  });

  it('reports progress and cancels with an AbortSignal (the server sees the cancellation)', async () => {
    const { server, calls } = invoiceServer();
    const client = await createClient(server, { era });
    open.push(client);
    const controller = new AbortController();
    const progress: number[] = [];
    const call = client.tools.slow(
      { steps: 3 },
      {
        signal: controller.signal,
        onProgress: (p) => {
          progress.push(p.progress);
          if (p.progress === 3) controller.abort(new Error('caller gave up'));
        },
      },
    );
    await expect(call).rejects.toThrow('caller gave up');
    expect(progress).toEqual([1, 2, 3]);
    await expect.poll(() => calls.slowCancelled).toBe(true);
  });

  it('times out a call with UPSTREAM_TIMEOUT after the per-call deadline', async () => {
    const { server, calls } = invoiceServer();
    const client = await createClient(server, { era });
    open.push(client);
    const error = await client.tools.slow({ steps: 0 }, { timeoutMs: 50 }).catch((e: unknown) => e);
    expect((error as RemoteError).code).toBe('UPSTREAM_TIMEOUT');
    await expect.poll(() => calls.slowCancelled).toBe(true);
  });

  it('lists every tool through listAllTools', async () => {
    const { server } = invoiceServer();
    const client = await createClient(server, { era });
    open.push(client);
    const names: string[] = [];
    for await (const tool of client.listAllTools()) names.push(tool.name);
    expect(names.sort()).toEqual(['charge', 'get_invoice', 'ping_text', 'slow']);
  });
});

describe('createClient over a transport of your own', () => {
  it('connects over any official-SDK transport given as { transport }', async () => {
    const { server } = invoiceServer();
    const [clientEnd, serverEnd] = InMemoryTransport.createLinkedPair();
    const connection = new StreamConnection(
      server.build(),
      (message) => void serverEnd.send(message as JSONRPCMessage),
    );
    serverEnd.onmessage = (message) => connection.receive(message);
    await serverEnd.start();
    const client = await createClient<typeof server>({ transport: clientEnd }, { era: 'modern' });
    open.push(client);
    expect(await client.tools.get_invoice({ id: 'inv_9', currency: 'USD' })).toEqual({
      id: 'inv_9',
      total: 42.5,
      currency: 'USD',
    });
  });
});
