import type { Client } from '@modelcontextprotocol/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ClientEvents } from '../src/client-events.js';

// The retry schedule of the modern listen stream, on a fake SDK client and a fake clock: how often a
// failing `subscriptions/listen` is tried again, that the wait is bounded, and that close() ends it.

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function fakeSdk(listen: () => Promise<unknown>) {
  const calls: number[] = [];
  const sdk = {
    setNotificationHandler: () => undefined,
    listen: () => {
      calls.push(Date.now());
      return listen();
    },
  } as unknown as Client;
  return { sdk, calls };
}

const refused = () => Promise.reject(new TypeError('fetch failed'));

describe('a modern listen that keeps failing', () => {
  it('is tried again with a growing wait, never more than 30 s apart, until close()', async () => {
    const { sdk, calls } = fakeSdk(refused);
    const events = new ClientEvents(() => sdk, 'modern');
    const sub = events.onListChanged('tools', () => undefined);
    await expect(sub.ready).rejects.toThrow('fetch failed');
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    const gaps = calls.slice(1).map((at, i) => at - (calls[i] as number));
    expect(gaps.slice(0, 5)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000]);
    expect(Math.max(...gaps)).toBe(30_000);
    const tried = calls.length;
    await events.close();
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(calls.length).toBe(tried);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stops trying once the last listener is disposed', async () => {
    const { sdk, calls } = fakeSdk(refused);
    const events = new ClientEvents(() => sdk, 'modern');
    const sub = events.onListChanged('tools', () => undefined);
    await expect(sub.ready).rejects.toThrow();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toHaveLength(2);
    sub.dispose();
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(calls).toHaveLength(2);
    expect(vi.getTimerCount()).toBe(0);
  });
});
