import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from '@mcpkit/core';
import { type AuditRecord, audit, jsonlFileSink } from '@mcpkit/middleware';
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

describe('jsonlFileSink()', () => {
  it('appends one JSON line per record, batch after batch, with owner-only permissions', async () => {
    const path = join(dir, 'append.jsonl');
    const sink = jsonlFileSink({ path });
    const encode = (n: number) => sink.encode?.(record(n)) ?? '';
    await sink.write([encode(1), encode(2)]);
    await sink.write([encode(3)]);
    await sink.close?.();
    const again = jsonlFileSink({ path });
    await again.write([encode(4)]);
    await again.close?.();
    const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as AuditRecord).requestId)).toEqual(['r-1', 'r-2', 'r-3', 'r-4']);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('encodes a record as its JSON text', () => {
    expect(jsonlFileSink({ path: join(dir, 'unused.jsonl') }).encode?.(record(7))).toBe(
      JSON.stringify(record(7)),
    );
  });

  it('writes batches larger than its buffer, multi-byte text and over-long lines whole and in order', async () => {
    const path = join(dir, 'large.jsonl');
    const sink = jsonlFileSink({ path });
    const lines: string[] = [];
    // About 1 MiB of lines with accented and astral characters, then one line longer than the buffer.
    for (let i = 0; i < 5_000; i++) lines.push(JSON.stringify({ i, note: 'crème brûlée 🍮 '.repeat(10) }));
    lines.push(JSON.stringify({ big: 'ü'.repeat(300_000) }));
    lines.push(JSON.stringify({ after: 'big' }));
    // Two batches at once: the second waits for the first, so lines never interleave.
    await Promise.all([sink.write(lines.slice(0, 2_500)), sink.write(lines.slice(2_500))]);
    await sink.close?.();
    expect(await readFile(path, 'utf8')).toBe(`${lines.join('\n')}\n`);
  });

  it('receives the audit trail of real tool calls', async () => {
    const path = join(dir, 'calls.jsonl');
    const plugin = audit({ sink: jsonlFileSink({ path }) });
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
});
