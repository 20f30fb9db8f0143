// The TaskStore contract of @mcpkit/testing, run against core's memory store, and against a
// store that ignores the clock it was given (so nothing ever expires), which must fail it.
import { createMemoryTaskStore } from '@mcpkit/core';
import { runContractSuite, taskStoreContract } from '@mcpkit/testing';
import { describeContract } from '@mcpkit/testing/vitest';
import { describe, expect, it } from 'vitest';

describeContract(
  taskStoreContract({ create: (clock) => createMemoryTaskStore({ now: clock.now }) }),
  'memory task store: task store contract',
);

describe('a task store whose time stands still', () => {
  it('fails the expiry check of the contract (and the check of lastUpdatedAt)', async () => {
    const report = await runContractSuite(
      taskStoreContract({
        create: (clock) => {
          const frozen = clock.now();
          return createMemoryTaskStore({ now: () => frozen });
        },
      }),
    );
    expect(report.failed.map((f) => f.name)).toEqual([
      'asks for input, takes the owner’s answers for outstanding keys, and is working again',
      'forgets a task once createdAt + ttlMs has passed on its clock, and keeps one without ttl (expiry)',
    ]);
    expect(String(report.failed[1]?.error)).toMatch(/a task whose ttl has passed: expected undefined/);
    expect(report.passed).toHaveLength(4);
  });
});
