import { createServer } from '@mcpkit/core';
import {
  type AuditRecord,
  type AuditSink,
  audit,
  consent,
  createJsonlFileSink,
  production,
  requireScopes,
} from '@mcpkit/middleware';
import { describe, expectTypeOf, it } from 'vitest';
import * as z from 'zod';

describe('public types', () => {
  it('types what an audit sink receives by what its encode returns', () => {
    audit({
      sink: {
        encode: (record) => ({ line: `${record.tool} ${record.outcome}` }),
        write: (batch) => {
          expectTypeOf(batch).toEqualTypeOf<readonly { line: string }[]>();
        },
      },
    });
    audit({
      sink: {
        write: (batch) => {
          expectTypeOf(batch).toEqualTypeOf<readonly AuditRecord[]>();
        },
      },
    });
    audit({
      sink: (batch) => {
        expectTypeOf(batch).toEqualTypeOf<readonly AuditRecord[]>();
      },
    });
  });

  it('takes the JSON Lines sink directly and through the production preset', () => {
    expectTypeOf(createJsonlFileSink({ path: 'audit.jsonl' })).toEqualTypeOf<AuditSink<number>>();
    audit({ sink: createJsonlFileSink({ path: 'audit.jsonl' }) });
    production({ audit: { sink: createJsonlFileSink({ path: 'audit.jsonl' }), args: 'hash' } });
    production({
      audit: {
        sink: {
          write: (batch) => {
            expectTypeOf(batch).toEqualTypeOf<readonly AuditRecord[]>();
          },
        },
      },
    });
  });

  it('fits requireScopes() and consent() in the use of a tool with an output schema', () => {
    createServer({ name: 'typed', version: '1.0.0' }).tool('pay', {
      description: 'Pays',
      input: z.object({ amount: z.number() }),
      output: z.object({ id: z.string() }),
      use: [requireScopes('payments:write'), consent({ tools: ['pay'] })],
      handler: ({ amount }) => ({ id: `pay-${amount}` }),
    });
  });
});
