// The legacy-era SessionStore contract of @mcpkit/testing, run against core's memory store, and
// against a store that never forgets an idle session, which must fail it.
import { createMemorySessionStore, type SessionRecord, type SessionStore } from '@mcpkit/core';
import { runContractSuite, sessionStoreContract } from '@mcpkit/testing';
import { describeContract } from '@mcpkit/testing/vitest';
import { describe, expect, it } from 'vitest';

describeContract(
  sessionStoreContract({
    create: (clock) => createMemorySessionStore({ now: clock.now, idleTimeoutMs: 60_000, maxSessions: 5 }),
    idleTimeoutMs: 60_000,
    maxSessions: 5,
  }),
  'memory session store: session store contract',
);

/** A map that keeps every session forever: no idle timeout, no bound. */
function keepsEverything(): SessionStore {
  const sessions = new Map<string, SessionRecord>();
  return {
    get: (id) => sessions.get(id),
    set: (id, record) => {
      sessions.set(id, record);
    },
    delete: (id) => {
      sessions.delete(id);
    },
  };
}

describe('a session store that never forgets', () => {
  it('fails the expiry and capacity checks of the contract', async () => {
    const report = await runContractSuite(
      sessionStoreContract({ create: () => keepsEverything(), idleTimeoutMs: 60_000, maxSessions: 5 }),
    );
    expect(report.failed.map((f) => f.name)).toEqual([
      'forgets a session idle past the timeout and keeps one in use (expiry)',
      'refuses a session past its capacity with a coded, retryable error, dropping no active one (failure)',
    ]);
    expect(report.passed).toHaveLength(2);
  });
});
