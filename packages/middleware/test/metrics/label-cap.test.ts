import { describe, expect, it } from 'vitest';
import { LabelCap, OTHER_LABEL } from '../../src/metrics/label-cap.js';

describe('LabelCap', () => {
  it('keeps the first max names and collapses the rest', () => {
    const cap = new LabelCap(2);
    expect([cap.take('a'), cap.take('b'), cap.take('c'), cap.take('a')]).toEqual([
      'a',
      'b',
      OTHER_LABEL,
      'a',
    ]);
  });

  it('only reports names it has taken when asked for a value', () => {
    const cap = new LabelCap(5);
    expect(cap.value('x')).toBe(OTHER_LABEL);
    cap.take('x');
    expect(cap.value('x')).toBe('x');
    expect(cap.value(undefined)).toBe('');
  });
});
