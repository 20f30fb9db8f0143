import { describe, it } from 'vitest';
import type { ContractSuite } from '../contracts/contract-suite.js';

/** Registers a contract suite (e.g. `cacheStoreContract({...})`) as a `describe` block with one `it` per check. */
export function describeContract(suite: ContractSuite, title = suite.name): void {
  describe(title, () => {
    for (const test of suite.tests) it(test.name, () => test.run());
  });
}
