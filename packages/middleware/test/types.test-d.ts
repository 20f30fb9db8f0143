import { type AuditRecord, type AuditSink, audit, createJsonlFileSink, production } from '@mcpkit/middleware';
import { describe, expectTypeOf, it } from 'vitest';

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
});
