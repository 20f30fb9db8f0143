import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from '@mcpkit/core';
import { type AuditRecord, apiKey, audit, createJsonlFileSink, hashApiKey } from '@mcpkit/middleware';
import { createTestClient } from '@mcpkit/testing';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { auditJson, encodingRecord } from '../../src/audit/audit-line.js';

// Records in the order audit() sets their fields, covering every optional field and text that
// JSON has to escape.
const base: AuditRecord = {
  time: '2026-12-06T21:40:00.123Z',
  requestId: 'nnxcIYZq-1k',
  caller: 'alice',
  tool: 'add',
  outcome: 'ok',
  durationMs: 0.123,
};
const records: AuditRecord[] = [
  base,
  { ...base, caller: null, args: { a: 1, b: [2, { c: 'crème "brûlée" 🍮\n' }] } },
  { ...base, requestId: 'id with "quotes" and \\ and \u0001', caller: 'bob\u2028', tool: 'tool/ü' },
  {
    ...base,
    outcome: 'error',
    durationMs: 12,
    clientId: 'app-1',
    errorCode: 'RATE_LIMITED',
    argsHash: 'ab'.repeat(32),
  },
  {
    ...base,
    outcome: 'input_required',
    durationMs: Number.NaN,
    args: undefined,
    fields: { amount: 5, note: '\ud800' },
  },
  { ...base, caller: '\udfff lone surrogate', args: 'text' },
];

describe('auditJson()', () => {
  it('writes the same bytes as JSON.stringify for the record audit() is encoding', () => {
    for (const record of records) {
      encodingRecord(record);
      try {
        expect(auditJson(record)).toBe(JSON.stringify(record));
      } finally {
        encodingRecord(undefined);
      }
    }
  });

  it('uses JSON.stringify itself for any other record, whatever its field order', () => {
    const { tool, ...rest } = base;
    const reordered = { tool, extra: 1, ...rest } as AuditRecord;
    encodingRecord(base);
    try {
      expect(auditJson(reordered)).toBe(JSON.stringify(reordered));
    } finally {
      encodingRecord(undefined);
    }
    expect(auditJson(base)).toBe(JSON.stringify(base));
  });

  it('leaves every field of real calls in the file, as a sink wrapping the JSON Lines sink sees them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mcpkit-audit-line-'));
    try {
      const direct = createJsonlFileSink({ path: join(dir, 'direct.jsonl') });
      const inner = createJsonlFileSink({ path: join(dir, 'wrapped.jsonl') });
      const seen: AuditRecord[] = [];
      // A wrapper that adds a field before delegating: its records take the generic path.
      const wrapped = {
        encode(record: AuditRecord) {
          seen.push({ ...record });
          (record as AuditRecord & { host?: string }).host = 'h1';
          return inner.encode?.(record) ?? 0;
        },
        write: (batch: readonly number[]) => inner.write(batch),
        close: () => inner.close?.(),
      };
      const fields = () => ({ amount: 3, note: 'ü "q"' });
      const first = audit({ sink: direct, fields });
      const second = audit({ sink: wrapped, fields });
      const server = createServer({ name: 'audit-line', version: '1.0.0' })
        .use(apiKey({ keys: [{ hash: hashApiKey('k-1'), subject: 'käthe "k"', clientId: 'cli' }] }))
        .use(first)
        .use(second)
        .tool('add', {
          description: 'Adds',
          input: z.object({ a: z.number(), b: z.number(), token: z.string().optional() }),
          handler: ({ a, b }) => String(a + b),
        })
        .tool('fail', {
          description: 'Fails',
          input: z.object({}),
          handler: () => ({ isError: true, content: [] }),
        });
      const client = await createTestClient(server, { headers: { 'x-api-key': 'k-1' } });
      await client.callTool('add', { a: 1, b: 2, token: 'sk_live_abcdefghijklmnop' });
      await client.callTool('fail', {});
      await client.close();
      await first.close();
      await second.close();
      const directLines = (await readFile(join(dir, 'direct.jsonl'), 'utf8')).trimEnd().split('\n');
      const wrappedLines = (await readFile(join(dir, 'wrapped.jsonl'), 'utf8')).trimEnd().split('\n');
      expect(directLines).toHaveLength(2);
      for (const line of directLines) expect(JSON.stringify(JSON.parse(line))).toBe(line);
      const parsed = directLines.map((line) => JSON.parse(line) as AuditRecord);
      expect(parsed.map((r) => [r.caller, r.clientId, r.tool, r.outcome, r.errorCode])).toEqual([
        ['käthe "k"', 'cli', 'add', 'ok', undefined],
        ['käthe "k"', 'cli', 'fail', 'error', 'tool_error'],
      ]);
      expect(parsed[0]?.args).toEqual({ a: 1, b: 2, token: '[Redacted]' });
      expect(parsed[0]?.fields).toEqual({ amount: 3, note: 'ü "q"' });
      expect(wrappedLines.map((line) => JSON.parse(line))).toEqual(seen.map((r) => ({ ...r, host: 'h1' })));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
