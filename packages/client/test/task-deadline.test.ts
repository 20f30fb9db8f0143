import { createClient, RemoteError } from '@mcpkit/client';
import { createServer, silentLogger } from '@mcpkit/core';
import { afterEach, describe, expect, it, vi } from 'vitest';

// A task that outlives its call, on a fake clock (no real waiting): the call's deadline (60 s by
// default) passes while the client follows the task. The call rejects with UPSTREAM_TIMEOUT and the
// task is cancelled on the server, for a call of this client (callTool, with its mark) and for one
// the SDK underneath sends by itself (`client.sdk`, no mark: the channel's own 60 s deadline).

const seen = { started: 0, cancelled: 0 };

const server = createServer({
  name: 'ledger',
  version: '1.0.0',
  logger: silentLogger,
  tasks: { ttlMs: 10 * 60_000, pollIntervalMs: 5_000 },
})
  .tool('export_ledger', {
    description: 'Runs until cancelled',
    taskSupport: 'required',
    handler: async (_args, ctx) => {
      seen.started++;
      await new Promise<void>((resolve) => {
        ctx.signal.addEventListener('abort', () => {
          seen.cancelled++;
          resolve();
        });
      });
      return 'done';
    },
  })
  .build();

/**
 * The fake clock of `@mcpkit/testing/vitest`'s `useFakeClock()` (which this package cannot import:
 * testing sits above client): Date and timers are fake, setImmediate (which carries the in-process
 * transport's messages) stays real.
 */
function useFakeClock() {
  vi.useFakeTimers({
    now: Date.now(),
    toFake: ['Date', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance'],
  });
  return { advance: (ms: number) => vi.advanceTimersByTimeAsync(ms) };
}

let clock: ReturnType<typeof useFakeClock> | undefined;
afterEach(() => {
  vi.useRealTimers();
  clock = undefined;
});

/** Moves the fake clock by `ms` in one-second steps, letting the in-process messages through between them. */
async function advance(ms: number): Promise<void> {
  for (let left = ms; left > 0; left -= 1_000) {
    await clock?.advance(Math.min(1_000, left));
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** A call's outcome, readable without awaiting it (the clock, not the test, decides when it ends). */
function settled(promise: Promise<unknown>): { outcome: unknown } {
  const state: { outcome: unknown } = { outcome: undefined };
  promise.then(
    (value) => {
      state.outcome = { resolved: value };
    },
    (error: unknown) => {
      state.outcome = error;
    },
  );
  return state;
}

/** Lets the in-process messages through without moving the clock. */
async function flush(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

describe.each(['modern', 'legacy'] as const)('a task past its call deadline, %s era', (era) => {
  it('callTool: rejects with UPSTREAM_TIMEOUT at the default 60 s and cancels the task', async () => {
    clock = useFakeClock();
    const client = await createClient(server, { era, retry: false });
    try {
      const started = seen.started;
      const cancelled = seen.cancelled;
      const call = settled(client.callTool('export_ledger'));
      await flush();
      expect(seen.started).toBe(started + 1);
      await advance(59_000);
      expect(call.outcome).toBeUndefined();
      expect(seen.cancelled).toBe(cancelled);
      await advance(2_000);
      await flush();
      const error = call.outcome;
      expect(error).toBeInstanceOf(RemoteError);
      expect(error).toMatchObject({ code: 'UPSTREAM_TIMEOUT', retryable: true });
      await flush();
      expect(seen.cancelled).toBe(cancelled + 1);
    } finally {
      await client.close();
    }
  });

  it("a call the SDK sends by itself: the channel's 60 s deadline ends it with a coded UPSTREAM_TIMEOUT", async () => {
    clock = useFakeClock();
    const client = await createClient(server, { era, retry: false });
    try {
      const started = seen.started;
      const cancelled = seen.cancelled;
      // The SDK would wait 120 s: the channel, which saw no mark, gives up at 60 s.
      const call = settled(
        client.sdk.callTool({ name: 'export_ledger', arguments: {} }, { timeout: 120_000 }),
      );
      await flush();
      expect(seen.started).toBe(started + 1);
      await advance(59_000);
      expect(call.outcome).toBeUndefined();
      expect(seen.cancelled).toBe(cancelled);
      await advance(2_000);
      await flush();
      const error = call.outcome;
      expect(error).toMatchObject({ code: -32603, data: { code: 'UPSTREAM_TIMEOUT', retryable: true } });
      await flush();
      expect(seen.cancelled).toBe(cancelled + 1);
    } finally {
      await client.close();
    }
  });
});
