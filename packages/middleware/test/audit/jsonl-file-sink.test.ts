import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from '@mcpkit/core';
import { type AuditRecord, audit, createJsonlFileSink } from '@mcpkit/middleware';
import { createTestClient } from '@mcpkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mcpkit-audit-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const record = (n: number): AuditRecord => ({
  time: new Date(0).toISOString(),
  requestId: `r-${n}`,
  caller: null,
  tool: 't',
  outcome: 'ok',
  durationMs: 1,
});

describe('createJsonlFileSink()', () => {
  it('appends one JSON line per record, batch after batch, with owner-only permissions', async () => {
    const path = join(dir, 'append.jsonl');
    const sink = createJsonlFileSink({ path });
    const encode = (n: number) => sink.encode?.(record(n)) ?? 0;
    await sink.write([encode(1), encode(2)]);
    await sink.write([encode(3)]);
    await sink.close?.();
    const again = createJsonlFileSink({ path });
    await again.write([again.encode?.(record(4)) ?? 0]);
    await again.close?.();
    const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as AuditRecord).requestId)).toEqual(['r-1', 'r-2', 'r-3', 'r-4']);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('encodes a record as its JSON line and returns the line length in bytes', () => {
    const sink = createJsonlFileSink({ path: join(dir, 'unused.jsonl') });
    const plain = record(7);
    const accented = { ...record(8), tool: 'crème brûlée 🍮' };
    expect(sink.encode?.(plain)).toBe(Buffer.byteLength(`${JSON.stringify(plain)}\n`));
    expect(sink.encode?.(accented)).toBe(Buffer.byteLength(`${JSON.stringify(accented)}\n`));
  });

  it('writes batches across many chunks, multi-byte text and over-long lines whole and in order', async () => {
    const path = join(dir, 'large.jsonl');
    const sink = createJsonlFileSink({ path });
    const records: AuditRecord[] = [];
    // About 2 MiB of records with accented and astral characters, then one line longer than a chunk.
    for (let i = 0; i < 5_000; i++) {
      records.push({ ...record(i), tool: 'crème brûlée 🍮', args: { note: 'crème brûlée 🍮 '.repeat(10) } });
    }
    records.push({ ...record(5_000), args: { big: 'ü'.repeat(300_000) } });
    records.push(record(5_001));
    const encode = (r: AuditRecord) => sink.encode?.(r) ?? 0;
    // The first batch is still being written while the rest are encoded and handed over.
    const first = sink.write(records.slice(0, 2_500).map(encode));
    const second = sink.write(records.slice(2_500).map(encode));
    await Promise.all([first, second]);
    await sink.close?.();
    expect(await readFile(path, 'utf8')).toBe(records.map((r) => `${JSON.stringify(r)}\n`).join(''));
  });

  it('reports a batch it cannot write, and writes later batches once it can', async () => {
    const folder = join(dir, 'created-later');
    const sink = createJsonlFileSink({ path: join(folder, 'audit.jsonl') });
    await expect(sink.write([sink.encode?.(record(1)) ?? 0])).rejects.toThrow(/ENOENT/);
    await mkdir(folder);
    await sink.write([sink.encode?.(record(2)) ?? 0]);
    await sink.close?.();
    expect(await readFile(join(folder, 'audit.jsonl'), 'utf8')).toBe(`${JSON.stringify(record(2))}\n`);
  });

  it('receives the audit trail of real tool calls', async () => {
    const path = join(dir, 'calls.jsonl');
    const plugin = audit({ sink: createJsonlFileSink({ path }) });
    const server = createServer({ name: 'file-audit', version: '1.0.0' })
      .use(plugin)
      .tool('login', {
        description: 'Logs in',
        input: z.object({ user: z.string(), password: z.string() }),
        handler: ({ user }) => `hi ${user}`,
      });
    const client = await createTestClient(server);
    for (let i = 0; i < 50; i++) await client.callTool('login', { user: `u${i}`, password: 'pw-secret' });
    await client.close();
    await plugin.close();
    const text = await readFile(path, 'utf8');
    const records = text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as AuditRecord);
    expect(records).toHaveLength(50);
    expect(text).not.toContain('pw-secret');
    expect(records[49]).toMatchObject({ tool: 'login', args: { user: 'u49', password: '[Redacted]' } });
  });

  it('writes exactly the records it kept when a burst overflows the buffer, each line whole', async () => {
    const path = join(dir, 'burst.jsonl');
    const plugin = audit({ sink: createJsonlFileSink({ path }), maxBuffered: 100, maxBatch: 30 });
    const server = createServer({ name: 'burst-audit', version: '1.0.0' })
      .use(plugin)
      .tool('note', {
        description: 'Takes a note',
        input: z.object({ text: z.string() }),
        handler: ({ text }) => text,
      });
    const client = await createTestClient(server);
    // 400 calls at once: more arrive than the buffer holds before the sink's first write.
    await Promise.all(
      Array.from({ length: 400 }, (_, i) => client.callTool('note', { text: `n-${i} ünïcødé 🍮` })),
    );
    await client.close();
    await plugin.close();
    const records = (await readFile(path, 'utf8'))
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as AuditRecord);
    expect(plugin.dropped).toBeGreaterThan(0);
    expect(records).toHaveLength(plugin.written);
    expect(plugin.written + plugin.dropped).toBe(400);
    expect(new Set(records.map((r) => (r.args as { text: string }).text)).size).toBe(records.length);
  });
});
