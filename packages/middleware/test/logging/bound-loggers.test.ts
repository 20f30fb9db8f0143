import { describe, expect, it } from 'vitest';
import { BoundLoggers } from '../../src/logging/bound-loggers.js';
import { captureLogger } from '../fixtures/capture-logger.js';

describe('BoundLoggers', () => {
  it('makes one child per method, name and era, with those fields bound', () => {
    const capture = captureLogger();
    const bound = new BoundLoggers(capture.logger);
    const child = bound.get('tools/call', 'modern', 'tool', 'pay');
    expect(bound.get('tools/call', 'modern', 'tool', 'pay')).toBe(child);
    expect(bound.get('tools/call', 'legacy', 'tool', 'pay')).not.toBe(child);
    expect(bound.get('tools/call', 'modern', 'tool', 'refund')).not.toBe(child);
    bound.get('prompts/get', 'legacy', 'prompt', 'greet')?.info({ requestId: 'r-1' }, 'done');
    bound.get('tools/list', 'modern')?.info({ requestId: 'r-2' }, 'done');
    child?.info({ requestId: 'r-3' }, 'done');
    expect(capture.lines()).toEqual([
      expect.objectContaining({ method: 'prompts/get', prompt: 'greet', era: 'legacy', requestId: 'r-1' }),
      expect.objectContaining({ method: 'tools/list', era: 'modern', requestId: 'r-2' }),
      expect.objectContaining({ method: 'tools/call', tool: 'pay', era: 'modern', requestId: 'r-3' }),
    ]);
    expect(capture.lines()[1]).not.toHaveProperty('tool');
  });

  it('stops making children at its bound, so unknown names cannot grow it without limit', () => {
    const bound = new BoundLoggers(captureLogger().logger);
    for (let i = 0; i < 1000; i++)
      expect(bound.get('tools/call', 'modern', 'tool', `tool-${i}`)).toBeDefined();
    expect(bound.get('tools/call', 'modern', 'tool', 'one-too-many')).toBeUndefined();
    expect(bound.get('made/up', 'legacy')).toBeUndefined();
    expect(bound.get('tools/call', 'modern', 'tool', 'tool-7')).toBeDefined();
  });

  it("follows the parent's level when it changes at run time", () => {
    const capture = captureLogger('info');
    const bound = new BoundLoggers(capture.logger);
    bound.get('tools/call', 'modern', 'tool', 'pay')?.debug('hidden');
    capture.logger.level = 'debug';
    bound.get('tools/call', 'modern', 'tool', 'pay')?.debug('shown');
    capture.logger.level = 'warn';
    bound.get('tools/call', 'modern', 'tool', 'pay')?.info('hidden again');
    expect(capture.lines().map((line) => line.msg)).toEqual(['shown']);
  });
});
