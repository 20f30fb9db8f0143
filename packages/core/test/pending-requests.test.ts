import { isMcpkitError } from '@mcpkit/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PendingRequests } from '../src/transports/pending-requests.js';

describe('PendingRequests', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('rejects a request the client never answers with a retryable UPSTREAM_TIMEOUT and forgets it', async () => {
    vi.useFakeTimers();
    const pending = new PendingRequests({ timeoutMs: 1_000 });
    const { result } = pending.open(new AbortController().signal, 'elicitation/create');
    const outcome = result.catch((error: unknown) => error);
    vi.advanceTimersByTime(1_000);
    const error = await outcome;
    expect(isMcpkitError(error) && error.code).toBe('UPSTREAM_TIMEOUT');
    expect(isMcpkitError(error) && error.retryable).toBe(true);
    expect(String((error as Error).message)).toMatch(/elicitation\/create request within 1000 ms/);
    expect(pending.size).toBe(0);
  });

  it('settles an answer that arrives in time and clears its deadline', async () => {
    vi.useFakeTimers();
    const pending = new PendingRequests({ timeoutMs: 1_000 });
    const { id, result } = pending.open(new AbortController().signal);
    expect(pending.settle(id, { action: 'accept' }, undefined)).toBe(true);
    await expect(result).resolves.toEqual({ action: 'accept' });
    expect(vi.getTimerCount()).toBe(0);
    expect(pending.size).toBe(0);
  });

  it('refuses a request past max with a retryable UPSTREAM_UNAVAILABLE, before anything is sent', () => {
    const pending = new PendingRequests({ max: 2 });
    const signal = new AbortController().signal;
    pending.open(signal).result.catch(() => {});
    pending.open(signal).result.catch(() => {});
    expect(() => pending.open(signal)).toThrow(
      expect.objectContaining({ code: 'UPSTREAM_UNAVAILABLE', retryable: true }),
    );
    pending.rejectAll(new Error('closed'));
    expect(pending.size).toBe(0);
  });

  it('forgets a request whose call was cancelled', async () => {
    const pending = new PendingRequests();
    const controller = new AbortController();
    const { result } = pending.open(controller.signal);
    controller.abort(new Error('gone'));
    await expect(result).rejects.toThrow('gone');
    expect(pending.size).toBe(0);
  });
});
