import { describe, expect, it } from 'vitest';
import { isoTime } from '../../src/audit/iso-time.js';

describe('isoTime', () => {
  it('matches Date#toISOString across milliseconds, seconds, days and years', () => {
    const starts = [
      0,
      999,
      1_000,
      Date.UTC(2024, 1, 29, 23, 59, 59, 990),
      Date.UTC(9999, 11, 31, 23, 59, 59, 0),
    ];
    for (const start of starts) {
      for (let ms = start; ms < start + 1_500; ms += 7) {
        if (ms > 253_402_300_799_999) break;
        expect(isoTime(ms)).toBe(new Date(ms).toISOString());
      }
    }
  });

  it('falls back to Date for times outside four-digit years and for fractional milliseconds', () => {
    for (const ms of [-1, -86_400_001, Date.UTC(10_000, 0, 1), 1_700_000_000_000.5]) {
      expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    }
  });

  it('gives the right answer when calls go back and forth between seconds', () => {
    const a = Date.UTC(2026, 0, 1, 0, 0, 0, 5);
    const b = a + 1_000;
    expect([isoTime(a), isoTime(b), isoTime(a + 1), isoTime(b + 99)]).toEqual(
      [a, b, a + 1, b + 99].map((ms) => new Date(ms).toISOString()),
    );
  });
});
