import { describe, expect, it } from 'vitest';
import { parseTraceparent, traceIdOf } from '../../src/tracing/traceparent.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

describe('parseTraceparent()', () => {
  it('reads a version-00 header into a remote, sampled span context', () => {
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-01`)).toEqual({
      traceId: TRACE,
      spanId: SPAN,
      traceFlags: 1,
      isRemote: true,
    });
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-00`)?.traceFlags).toBe(0);
  });

  it('accepts a future version with extra fields but not version ff or a 00 with extras', () => {
    expect(parseTraceparent(`01-${TRACE}-${SPAN}-01-extra`)?.traceId).toBe(TRACE);
    expect(parseTraceparent(`ff-${TRACE}-${SPAN}-01`)).toBeUndefined();
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-01-extra`)).toBeUndefined();
  });

  it('rejects malformed, upper-case, all-zero and non-string values', () => {
    for (const bad of [
      `00-${TRACE.toUpperCase()}-${SPAN}-01`,
      `00-${'0'.repeat(32)}-${SPAN}-01`,
      `00-${TRACE}-${'0'.repeat(16)}-01`,
      `00-${TRACE}-${SPAN}`,
      'garbage',
      42,
      undefined,
    ]) {
      expect(parseTraceparent(bad)).toBeUndefined();
    }
    expect(traceIdOf(`00-${TRACE}-${SPAN}-01`)).toBe(TRACE);
  });
});
