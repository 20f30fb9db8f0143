import { jsonSerializer } from '@mcpkit/cache';
import { describe, expect, it } from 'vitest';

describe('jsonSerializer', () => {
  it('round-trips every byte value as a Buffer', () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const decoded = jsonSerializer.decode(jsonSerializer.encode({ bytes, view: new Uint8Array([7, 8]) })) as {
      bytes: Buffer;
      view: Buffer;
    };
    expect(decoded.bytes.equals(bytes)).toBe(true);
    expect([...decoded.view]).toEqual([7, 8]);
  });

  it('leaves user objects whose keys look like its markers alone', () => {
    const value = { $b: 'AAEC', $$x: 1, nested: [{ $b: 'x', other: 2 }] };
    expect(jsonSerializer.decode(jsonSerializer.encode(value))).toEqual(value);
  });

  it('keeps unicode intact and turns dates into ISO strings like JSON', () => {
    const value = { text: 'zß水🚀\u0000\u2028', when: new Date(0) };
    expect(jsonSerializer.decode(jsonSerializer.encode(value))).toEqual({
      text: value.text,
      when: '1970-01-01T00:00:00.000Z',
    });
  });
});
