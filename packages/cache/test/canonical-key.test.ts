import { canonicalKey } from '@mcpkit/cache';
import { describe, expect, it } from 'vitest';

describe('canonicalKey', () => {
  it('ignores object key order at every depth', () => {
    expect(canonicalKey({ a: 1, b: { c: [1, 2], d: 'x' } })).toBe(
      canonicalKey({ b: { d: 'x', c: [1, 2] }, a: 1 }),
    );
  });

  it('keeps types apart', () => {
    const keys = [
      1,
      '1',
      1n,
      true,
      'true',
      null,
      'null',
      [1],
      { 0: 1 },
      new Date(1),
      '1970-01-01T00:00:00.001Z',
    ];
    expect(new Set(keys.map(canonicalKey)).size).toBe(keys.length);
    expect(canonicalKey({ a: 1 })).not.toBe(canonicalKey({ a: '1' }));
  });

  it('keeps array order and tells NaN, Infinity and null apart', () => {
    expect(canonicalKey([1, 2])).not.toBe(canonicalKey([2, 1]));
    expect(new Set([Number.NaN, Number.POSITIVE_INFINITY, null].map(canonicalKey)).size).toBe(3);
  });

  it('treats an undefined property like an absent one', () => {
    expect(canonicalKey({ a: 1, b: undefined })).toBe(canonicalKey({ a: 1 }));
  });

  it('cannot be fooled by strings that look like its own tags', () => {
    expect(canonicalKey('n1')).not.toBe(canonicalKey(1));
    expect(canonicalKey({ a: 'D1' })).not.toBe(canonicalKey({ a: new Date(1) }));
  });

  it('encodes bytes, maps and sets by content, order-free for maps and sets', () => {
    expect(canonicalKey(new Uint8Array([1, 2]))).toBe(canonicalKey(Buffer.from([1, 2])));
    expect(
      canonicalKey(
        new Map([
          ['a', 1],
          ['b', 2],
        ]),
      ),
    ).toBe(
      canonicalKey(
        new Map([
          ['b', 2],
          ['a', 1],
        ]),
      ),
    );
    expect(canonicalKey(new Set([1, 2]))).toBe(canonicalKey(new Set([2, 1])));
    expect(canonicalKey(new Set([1]))).not.toBe(canonicalKey([1]));
  });

  it('refuses cyclic values with a coded error', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalKey(cyclic)).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
  });

  it('keeps flat objects of different shapes apart when they alternate', () => {
    // Flat objects take a fast path that remembers the last key layout: alternating shapes must
    // not reuse one another's layout.
    expect(canonicalKey({ b: 1, a: 2 })).toBe('{"a":n2,"b":n1}');
    expect(canonicalKey({ a: 2, c: 1 })).toBe('{"a":n2,"c":n1}');
    expect(canonicalKey({ a: 2, b: 1 })).toBe(canonicalKey({ b: 1, a: 2 }));
    expect(canonicalKey({ a: 2, b: 1 })).not.toBe(canonicalKey({ a: 2, c: 1 }));
    expect(canonicalKey({ a: 1 })).not.toBe(canonicalKey({ a: 1, b: undefined, c: 0 }));
    expect(canonicalKey({ a: undefined, b: 1 })).toBe('{"b":n1}');
    expect(canonicalKey({ x: -0 })).toBe(canonicalKey({ x: 0 }));
    expect(canonicalKey({ a: 1, b: { c: 2 } })).toBe('{"a":n1,"b":{"c":n2}}');
    expect(canonicalKey(Object.assign(Object.create(null), { z: 't', y: true }))).toBe('{"y":t,"z":"t"}');
  });
});
