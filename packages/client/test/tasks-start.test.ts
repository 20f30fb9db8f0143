import { createClient, RemoteError } from '@mcpkit/client';
import { createServer, type HttpServerHandle, McpkitError, silentLogger } from '@mcpkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';

// `client.tasks.start` answers like `callTool`: an immediate coded error (the server answered
// without creating a task) rejects as a RemoteError, the call policy retries retryable failures of
// idempotent tools only, and a client without the extension says why, coded, with a hint.

const attempts = { lookup: 0, charge: 0 };
/** Tools whose next call fails with a retryable coded error before any task exists. */
const failNext = new Set<string>();

function reportsServer() {
  return createServer({
    name: 'reports',
    version: '1.0.0',
    logger: silentLogger,
    tasks: { ttlMs: 60_000, pollIntervalMs: 10 },
  })
    .use(async (ctx, next) => {
      if (ctx.method === 'tools/call' && (ctx.name === 'lookup' || ctx.name === 'charge')) {
        attempts[ctx.name]++;
        if (failNext.delete(ctx.name))
          throw new McpkitError('UPSTREAM_UNAVAILABLE', 'The ledger is restarting.', { retryAfterMs: 1 });
      }
      return next();
    })
    .tool('lookup', {
      description: 'Reads the ledger (idempotent), as a task',
      input: z.object({ account: z.string() }),
      taskSupport: 'required',
      annotations: { readOnlyHint: true },
      handler: async ({ account }) => `balance of ${account}`,
    })
    .tool('charge', {
      description: 'Charges (not idempotent), as a task',
      input: z.object({ amount: z.number() }),
      taskSupport: 'required',
      handler: async ({ amount }) => `charged ${amount}`,
    })
    .build();
}

const server = reportsServer();
const plain = createServer({ name: 'plain', version: '1.0.0', logger: silentLogger })
  .tool('ping', { description: 'Pings', handler: () => 'pong' })
  .build();
let http: HttpServerHandle;
beforeAll(async () => {
  http = await server.serve({ port: 0, host: '127.0.0.1', sessions: true });
});
afterAll(async () => {
  await http.close();
});

const targets = { 'in process': () => server, http: () => http.url } as const;

describe.each(['modern', 'legacy'] as const)('tasks.start, %s era', (era) => {
  describe.each(Object.keys(targets) as Array<keyof typeof targets>)('%s', (where) => {
    it('an immediate coded error rejects as a RemoteError, as callTool does', async () => {
      const client = await createClient(targets[where](), { era, retry: false });
      try {
        const started = await client.tasks.start('lookup', { account: 42 }).catch((e: unknown) => e);
        expect(started).toBeInstanceOf(RemoteError);
        expect(started).toBeInstanceOf(McpkitError);
        expect(started).toMatchObject({ code: 'VALIDATION_FAILED', retryable: false, tool: 'lookup' });
        await expect(client.callTool('lookup', { account: 42 })).rejects.toMatchObject({
          code: 'VALIDATION_FAILED',
        });
      } finally {
        await client.close();
      }
    });

    it('a retryable failure of an idempotent tool is retried; of a non-idempotent one, never', async () => {
      const client = await createClient(targets[where](), { era, retry: { baseDelayMs: 1 } });
      try {
        failNext.add('lookup');
        failNext.add('charge');
        const before = { ...attempts };
        const started = await client.tasks.start('lookup', { account: 'acme' });
        expect(started.task?.taskId).toEqual(expect.any(String));
        expect(attempts.lookup - before.lookup).toBe(2);
        await expect(client.tasks.result(started.task?.taskId as string)).resolves.toMatchObject({
          content: [{ type: 'text', text: 'balance of acme' }],
        });

        await expect(client.tasks.start('charge', { amount: 5 })).rejects.toMatchObject({
          code: 'UPSTREAM_UNAVAILABLE',
          retryable: true,
        });
        expect(attempts.charge - before.charge).toBe(1);
      } finally {
        failNext.clear();
        await client.close();
      }
    });
  });
});

describe('tasks.start without the extension', () => {
  it('tasks: false: rejects coded, naming the option', async () => {
    const client = await createClient(server, { era: 'modern', tasks: false });
    try {
      const error = await client.tasks.start('lookup', { account: 'acme' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(McpkitError);
      expect(error).toMatchObject({ code: 'VALIDATION_FAILED', retryable: false });
      expect((error as McpkitError).message).toContain('tasks: false');
      expect((error as McpkitError).hint).toContain('createClient');
    } finally {
      await client.close();
    }
  });

  it.each(['modern', 'legacy'] as const)(
    '%s: a server that does not advertise the extension: rejects coded, pointing to callTool',
    async (era) => {
      const client = await createClient(plain, { era });
      try {
        const error = await client.tasks.start('ping').catch((e: unknown) => e);
        expect(error).toMatchObject({ code: 'VALIDATION_FAILED', retryable: false });
        expect((error as McpkitError).message).toContain('does not advertise');
        expect((error as McpkitError).hint).toContain('callTool');
      } finally {
        await client.close();
      }
    },
  );
});
