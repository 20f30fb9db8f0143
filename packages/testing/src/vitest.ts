// The vitest integration of @mcpkit/testing (`@mcpkit/testing/vitest`); the main entry stays runner-agnostic.

export { describeContract } from './vitest/describe-contract.js';
export type { ClientRunContext, DescribeEachClientOptions } from './vitest/describe-each-client.js';
export { describeEachClient } from './vitest/describe-each-client.js';
export { ContractChangedError, expectContractSnapshot } from './vitest/expect-contract-snapshot.js';
export type { FakeClock, FakeClockOptions } from './vitest/fake-clock.js';
export { useFakeClock } from './vitest/fake-clock.js';
export type {
  LogExpectation,
  McpkitMatcherContext,
  McpkitMatcherResult,
  McpkitMatchers,
  SchemaIssue,
  SchemaResult,
  StructuredContentSchema,
} from './vitest/matchers.js';
export { mcpkitMatchers } from './vitest/matchers.js';
