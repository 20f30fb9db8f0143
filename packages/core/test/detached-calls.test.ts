import type { McpkitError } from '@mcpkit/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DetachedCalls } from '../src/transports/http/detached-calls.js';

/** A detached call that records why it was cancelled. */
function call(caller: string | undefined, session?: string) {
  const record = { reason: undefined as McpkitError | undefined };
  return {
    record,
    call: { session, caller, cancel: (reason: McpkitError) => (record.reason = reason) },
  };
}

describe('DetachedCalls', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('cancels a call whose client does not come back within the window with UPSTREAM_TIMEOUT', () => {
    vi.useFakeTimers();
    const calls = new DetachedCalls({ windowMs: 1_000, perSession: 10, perCaller: 10, total: 10 });
    const gone = call('address:1');
    calls.detach(gone, gone.call);
    vi.advanceTimersByTime(999);
    expect(gone.record.reason).toBeUndefined();
    vi.advanceTimersByTime(1);
    expect(gone.record.reason?.code).toBe('UPSTREAM_TIMEOUT');
    expect(calls.size).toBe(0);
  });

  it('lets a call whose client came back run on, with no timer left behind', () => {
    vi.useFakeTimers();
    const calls = new DetachedCalls({ windowMs: 1_000, perSession: 10, perCaller: 10, total: 10 });
    const back = call('address:1');
    calls.detach(back, back.call);
    calls.forget(back);
    vi.advanceTimersByTime(5_000);
    expect(back.record.reason).toBeUndefined();
    expect(vi.getTimerCount()).toBe(0);
  });

  it("cancels a caller's own oldest detached call past perCaller, never another caller's", () => {
    const calls = new DetachedCalls({ windowMs: 60_000, perSession: 10, perCaller: 2, total: 10 });
    const [a1, a2, b1, a3] = [call('a'), call('a'), call('b'), call('a')];
    for (const c of [a1, a2, b1, a3]) calls.detach(c, c.call);
    expect(a1.record.reason?.code).toBe('RATE_LIMITED');
    expect([a2, b1, a3].map((c) => c.record.reason)).toEqual([undefined, undefined, undefined]);
    expect(calls.size).toBe(3);
    calls.forget(a2);
    calls.forget(b1);
    calls.forget(a3);
  });

  it('cancels a call that detaches past the total at once, keeping those already waiting', () => {
    const calls = new DetachedCalls({ windowMs: 60_000, perSession: 10, perCaller: 10, total: 2 });
    const [x, y, z] = [call('x'), call('y'), call(undefined)];
    for (const c of [x, y, z]) calls.detach(c, c.call);
    expect(z.record.reason?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect([x.record.reason, y.record.reason]).toEqual([undefined, undefined]);
    calls.forget(x);
    calls.forget(y);
    expect(calls.size).toBe(0);
  });
});
