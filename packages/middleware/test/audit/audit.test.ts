import { createHash, createHmac } from 'node:crypto';
import { createServer, McpkitError, type Middleware } from '@mcpkit/core';
import { type AuditOptions, type AuditRecord, audit } from '@mcpkit/middleware';
import { createTestClient } from '@mcpkit/testing';
import { describe, expect, it, vi } from 'vitest';
import * as z from 'zod';
import { captureLogger } from '../fixtures/capture-logger.js';

const signIn: Middleware = (ctx, next) => {
  ctx.auth = { subject: 'user-7', clientId: 'app-1', scopes: [] };
  return next();
};

function makeServer(plugin: ReturnType<typeof audit>, logger = captureLogger().logger) {
  return createServer({ name: 'audited', version: '1.0.0', logger })
    .use(signIn)
    .use(plugin)
    .tool('transfer', {
      description: 'Moves money',
      input: z.object({ to: z.string(), amount: z.number(), card: z.string(), password: z.string() }),
      handler: ({ to, amount }) => `sent ${amount} to ${to}`,
    })
    .tool('deny', {
      description: 'Refuses',
      handler: () => {
        throw new McpkitError('FORBIDDEN', 'No.');
      },
    });
}

const ARGS = { to: 'acct-9', amount: 10, card: '4111111111111111', password: 'hunter2' };

async function run(plugin: ReturnType<typeof audit>, calls: number, logger = captureLogger().logger) {
  const client = await createTestClient(makeServer(plugin, logger));
  const started = performance.now();
  for (let i = 0; i < calls; i++) await client.callTool('transfer', { ...ARGS, amount: i });
  const elapsed = performance.now() - started;
  await client.close();
  return elapsed;
}

describe('audit()', () => {
  it('writes one record per tool call, 1,000 calls to 1,000 records with redacted arguments (acceptance 7a)', async () => {
    const records: AuditRecord[] = [];
    const plugin = audit({ sink: (batch) => void records.push(...batch) });
    await run(plugin, 1000);
    await plugin.flush();
    const redacted = records.filter(
      (r) =>
        (r.args as Record<string, unknown>).card === '[Redacted]' &&
        (r.args as Record<string, unknown>).password === '[Redacted]',
    ).length;
    const leaked =
      JSON.stringify(records).includes('hunter2') || JSON.stringify(records).includes('4111111111111111');
    console.log(
      `[acceptance 7a] audit: 1000 calls -> ${records.length} records, ${redacted} with redacted card+password, leaked=${leaked}, written=${plugin.written} dropped=${plugin.dropped}`,
    );
    expect(records).toHaveLength(1000);
    expect(redacted).toBe(1000);
    expect(leaked).toBe(false);
    expect(plugin.dropped).toBe(0);
    expect(new Set(records.map((r) => r.requestId)).size).toBe(1000);
    expect(records[3]).toMatchObject({
      caller: 'user-7',
      clientId: 'app-1',
      tool: 'transfer',
      outcome: 'ok',
      args: { to: 'acct-9', amount: 3 },
    });
    expect(new Date(records[3]?.time as string).toISOString()).toBe(records[3]?.time);
    expect(records[3]?.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('never waits for a stalled sink: calls finish, the buffer stays bounded and overflow is dropped and counted (acceptance 7b)', async () => {
    const baseline = audit({ sink: () => undefined });
    const fastMs = await run(baseline, 1000);

    let release: () => void = () => undefined;
    const stalled = new Promise<void>((resolve) => {
      release = resolve;
    });
    let handedOver = 0;
    const capture = captureLogger();
    const plugin = audit({
      maxBuffered: 100,
      sink: (batch) => {
        handedOver += batch.length;
        return stalled;
      },
    });
    const stalledMs = await run(plugin, 1000, capture.logger);
    // Every call has returned while the sink is still stalled.
    const buffered = plugin.buffered;
    const dropped = plugin.dropped;
    console.log(
      `[acceptance 7b] audit stalled sink: 1000 calls in ${stalledMs.toFixed(0)} ms (${(stalledMs / 1000).toFixed(3)} ms/call) vs ${fastMs.toFixed(0)} ms with a fast sink; in sink ${handedOver}, buffered ${buffered} (bound 100), dropped ${dropped}`,
    );
    expect(buffered).toBe(100);
    expect(handedOver + buffered + dropped).toBe(1000);
    expect(dropped).toBeGreaterThan(0);
    const warnings = capture.lines().filter((l) => String(l.msg).startsWith('audit buffer full'));
    expect(warnings).toHaveLength(1);

    release();
    await plugin.flush();
    expect(plugin.buffered).toBe(0);
    expect(plugin.written).toBe(handedOver);
    expect(plugin.written).toBe(1000 - dropped);
  });

  it('hashes arguments (HMAC with a key) or omits them when asked', async () => {
    const hashed: AuditRecord[] = [];
    const keyed: AuditRecord[] = [];
    const omitted: AuditRecord[] = [];
    const options = (into: AuditRecord[], extra: Partial<AuditOptions>) =>
      audit({ sink: (batch) => void into.push(...batch), ...extra });
    const a = options(hashed, { args: 'hash' });
    const b = options(keyed, { args: 'hash', hashKey: 'k1' });
    const c = options(omitted, { args: 'omit' });
    for (const plugin of [a, b, c]) {
      await run(plugin, 1);
      await plugin.flush();
    }
    const json = JSON.stringify({ ...ARGS, amount: 0 });
    expect(hashed[0]?.argsHash).toBe(createHash('sha256').update(json).digest('hex'));
    expect(keyed[0]?.argsHash).toBe(createHmac('sha256', 'k1').update(json).digest('hex'));
    expect(hashed[0]).not.toHaveProperty('args');
    expect(omitted[0]).not.toHaveProperty('args');
    expect(omitted[0]).not.toHaveProperty('argsHash');
  });

  it('records failures with their error code', async () => {
    const records: AuditRecord[] = [];
    const plugin = audit({ sink: (batch) => void records.push(...batch) });
    const client = await createTestClient(makeServer(plugin));
    await client.callTool('deny');
    await client.callToolUnchecked('transfer', { to: 1 });
    await client.close();
    await plugin.flush();
    expect(records.map((r) => [r.tool, r.outcome, r.errorCode])).toEqual([
      ['deny', 'error', 'FORBIDDEN'],
      ['transfer', 'error', 'VALIDATION_FAILED'],
    ]);
  });

  it('counts and logs batches a failing sink rejects, and keeps serving', async () => {
    const capture = captureLogger();
    const plugin = audit({
      sink: () => Promise.reject(new Error('disk full')),
    });
    await run(plugin, 3, capture.logger);
    await plugin.flush();
    expect(plugin.failed).toBe(3);
    expect(plugin.written).toBe(0);
    expect(capture.lines().some((l) => l.msg === 'audit sink failed; batch lost')).toBe(true);
  });

  it('buffers what a sink encodes and hands it to write in order', async () => {
    const batches: string[][] = [];
    const plugin = audit({
      sink: {
        encode: (record) => `${record.tool}:${(record.args as { amount: number }).amount}:${record.caller}`,
        write: (batch) => void batches.push([...batch]),
      },
    });
    await run(plugin, 5);
    await plugin.flush();
    expect(batches.flat()).toEqual([0, 1, 2, 3, 4].map((n) => `transfer:${n}:user-7`));
    expect(plugin.written).toBe(5);
  });

  it('counts and logs records a sink cannot encode, without failing the call', async () => {
    const capture = captureLogger();
    const written: string[] = [];
    const plugin = audit({
      sink: {
        encode: (record) => {
          if ((record.args as { amount: number }).amount === 1) throw new Error('cannot encode');
          return record.requestId;
        },
        write: (batch) => void written.push(...batch),
      },
    });
    const client = await createTestClient(makeServer(plugin, capture.logger));
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await client.callTool('transfer', { ...ARGS, amount: i }));
    await client.close();
    await plugin.flush();
    expect(results.map((r) => r.isError ?? false)).toEqual([false, false, false]);
    expect(written).toHaveLength(2);
    expect(plugin.failed).toBe(1);
    const logged = capture.lines().find((l) => l.msg === 'audit sink could not encode a record; record lost');
    expect(logged?.requestId).toEqual(expect.any(String));
  });

  it('hands the sink batches no larger than maxBatch', async () => {
    const sizes: number[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const plugin = audit({
      maxBatch: 10,
      sink: async (batch) => {
        sizes.push(batch.length);
        await gate;
      },
    });
    await run(plugin, 45);
    release();
    await plugin.flush();
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(45);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(10);
  });

  it('flushes and closes the sink on close(), dropping records that arrive later', async () => {
    const records: AuditRecord[] = [];
    let closed = false;
    const plugin = audit({
      sink: {
        write: (batch) => void records.push(...batch),
        close: () => {
          closed = true;
        },
      },
    });
    const client = await createTestClient(makeServer(plugin));
    await client.callTool('transfer', ARGS);
    await plugin.close();
    expect(closed).toBe(true);
    expect(records).toHaveLength(1);
    await client.callTool('transfer', ARGS);
    await client.close();
    expect(plugin.dropped).toBe(1);
  });

  it('writes a record after a quiet spell at once, then coalesces busy traffic until the interval, a full batch or flush()', async () => {
    const batches: number[] = [];
    const plugin = audit({
      writeIntervalMs: 60_000,
      maxBatch: 8,
      sink: (batch) => void batches.push(batch.length),
    });
    const client = await createTestClient(makeServer(plugin));
    await client.callTool('transfer', ARGS);
    await vi.waitFor(() => expect(batches).toEqual([1]));
    // Within the interval: held back (and not lost) until a batch fills up...
    for (let i = 0; i < 11; i++) await client.callTool('transfer', ARGS);
    await vi.waitFor(() => expect(batches).toEqual([1, 8]));
    expect(plugin.buffered).toBe(3);
    // ...or flush() asks for them.
    await plugin.flush();
    expect(batches).toEqual([1, 8, 3]);
    expect(plugin.written).toBe(12);
    await client.close();
    await plugin.close();
  });

  it('holds records that arrive during a slow write until the interval, instead of writing them right after', async () => {
    const batches: number[] = [];
    let release: (() => void) | undefined;
    const plugin = audit({
      writeIntervalMs: 60_000,
      sink: (batch) => {
        batches.push(batch.length);
        return new Promise<void>((resolve) => {
          release = resolve;
        });
      },
    });
    const client = await createTestClient(makeServer(plugin));
    await client.callTool('transfer', ARGS);
    await vi.waitFor(() => expect(batches).toEqual([1]));
    // Five more calls while the sink is still writing the first batch.
    for (let i = 0; i < 5; i++) await client.callTool('transfer', ARGS);
    release?.();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(batches).toEqual([1]);
    expect(plugin.buffered).toBe(5);
    const flushed = plugin.flush();
    await vi.waitFor(() => expect(batches).toEqual([1, 5]));
    release?.();
    await flushed;
    expect(plugin.written).toBe(6);
    await client.close();
    await plugin.close();
  });

  it('adds the fields a handler left in ctx.state, redacted, once the call has ended', async () => {
    const records: AuditRecord[] = [];
    const plugin = audit({
      sink: (batch) => void records.push(...batch),
      args: 'omit',
      fields: (ctx) => (ctx.state as { moved?: Record<string, unknown> }).moved,
    });
    const server = createServer({ name: 'audited', version: '1.0.0', logger: captureLogger().logger })
      .use(signIn)
      .use(plugin)
      .tool('pay', {
        description: 'Pays',
        input: z.object({ amount: z.number() }),
        handler: ({ amount }, ctx) => {
          (ctx.state as { moved?: Record<string, unknown> }).moved = {
            amount,
            idempotencyKey: 'key-1',
            card: '4111111111111111',
          };
          return 'paid';
        },
      })
      .tool('look', { description: 'Reads', handler: () => 'seen' });
    const client = await createTestClient(server);
    await client.callTool('pay', { amount: 250 });
    await client.callTool('look');
    await plugin.flush();
    expect(records[0]?.fields).toEqual({ amount: 250, idempotencyKey: 'key-1', card: '[Redacted]' });
    expect(records[0]?.args).toBeUndefined();
    expect(records[1]?.fields).toBeUndefined();
    await client.close();
    await plugin.close();
  });
});
