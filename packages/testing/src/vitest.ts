// The vitest integration of @mcpkit/testing (`@mcpkit/testing/vitest`); the main entry stays runner-agnostic.
export type { ClientRunContext, DescribeEachClientOptions } from './vitest/describe-each-client.js';
export { describeEachClient } from './vitest/describe-each-client.js';
