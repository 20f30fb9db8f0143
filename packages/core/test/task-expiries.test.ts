import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Expiring, TaskExpiries } from '../src/engine/tasks/task-expiries.js';

function task(name: string): Expiring & { name: string } {
  return { name, expireAt: 0, expiryPrev: undefined, expiryNext: undefined, expiryList: undefined };
}

describe('TaskExpiries', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('expires tasks of several ttlMs in time order, with one timer for all of them', () => {
    const expired: string[] = [];
    const expiries = new TaskExpiries((t) => expired.push((t as ReturnType<typeof task>).name));
    const now = Date.now();
    expiries.add(task('long-1'), 5_000, now + 5_000);
    expiries.add(task('short-1'), 1_000, now + 1_000);
    vi.advanceTimersByTime(10);
    expiries.add(task('long-2'), 5_000, now + 5_010);
    expiries.add(task('short-2'), 1_000, now + 1_010);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(1_000);
    expect(expired).toEqual(['short-1', 'short-2']);
    vi.advanceTimersByTime(4_000);
    expect(expired).toEqual(['short-1', 'short-2', 'long-1', 'long-2']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('never expires a removed task, and re-arms for the next one when its timer finds nothing due', () => {
    const expired: string[] = [];
    const expiries = new TaskExpiries((t) => expired.push((t as ReturnType<typeof task>).name));
    const now = Date.now();
    const first = task('first');
    expiries.add(first, 1_000, now + 1_000);
    expiries.add(task('second'), 1_000, now + 1_500);
    expiries.remove(first);
    expiries.remove(first);
    vi.advanceTimersByTime(1_000);
    expect(expired).toEqual([]);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(500);
    expect(expired).toEqual(['second']);
  });

  it('keeps expiry order when a task of the same ttlMs arrives with an earlier time', () => {
    const expired: string[] = [];
    const expiries = new TaskExpiries((t) => expired.push((t as ReturnType<typeof task>).name));
    const now = Date.now();
    expiries.add(task('b'), 1_000, now + 1_200);
    expiries.add(task('c'), 1_000, now + 1_300);
    expiries.add(task('a'), 1_000, now + 1_100);
    vi.advanceTimersByTime(1_100);
    expect(expired).toEqual(['a']);
    vi.advanceTimersByTime(200);
    expect(expired).toEqual(['a', 'b', 'c']);
  });

  it('waits in steps for an expiry beyond the range of one timer', () => {
    const expired: string[] = [];
    const expiries = new TaskExpiries((t) => expired.push((t as ReturnType<typeof task>).name));
    const far = 30 * 24 * 3_600_000;
    expiries.add(task('far'), far, Date.now() + far);
    vi.advanceTimersByTime(2_147_483_647);
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(far - 2_147_483_647);
    expect(expired).toEqual(['far']);
  });
});
