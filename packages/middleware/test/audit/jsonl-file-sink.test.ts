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
    await sink.write([record(1), record(2)]);
    await sink.write([record(3)]);
    await sink.close?.();
    const again = jsonlFileSink({ path });
    await again.write([record(4)]);
    await again.close?.();
    const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as AuditRecord).requestId)).toEqual(['r-1', 'r-2', 'r-3', 'r-4']);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
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
