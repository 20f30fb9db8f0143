import { describe, expect, it } from 'vitest';
import { newStreamId } from '../src/transports/http/stream-id.js';

describe('newStreamId', () => {
  it('mints unique ids of a process prefix, a counter and 64 random bits, across pool refills', () => {
    const ids = Array.from({ length: 2_000 }, () => newStreamId());
    expect(new Set(ids).size).toBe(ids.length);
    const prefixes = new Set(ids.map((id) => id.slice(0, 12)));
    expect(prefixes.size).toBe(1);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{12}[0-9a-z]+\.[0-9a-f]{16}$/);
    // Neighbours share nothing past the prefix and counter: one id says nothing of the next.
    const secrets = new Set(ids.map((id) => id.slice(id.indexOf('.') + 1)));
    expect(secrets.size).toBe(ids.length);
  });
});
