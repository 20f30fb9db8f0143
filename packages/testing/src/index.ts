export { InProcessTransport } from '@mcpkit/core/internal';
export type { ContractCheck, ContractUpdate } from './check-contract.js';
export { checkContract } from './check-contract.js';
export type {
  ClientMatrixOptions,
  ClientMatrixRun,
  RunConnectOptions,
  StdioCommand,
  TestTransport,
} from './client-matrix.js';
export { clientMatrix } from './client-matrix.js';
export { diffContracts } from './contract-diff.js';
export type {
  CacheEntryLike,
  CacheStoreContractOptions,
  CacheStoreLike,
} from './contracts/cache-store-contract.js';
export { cacheStoreContract } from './contracts/cache-store-contract.js';
export type { ContractClock } from './contracts/contract-clock.js';
export { manualClock, realClock } from './contracts/contract-clock.js';
export type { ContractReport, ContractSuite, ContractTest } from './contracts/contract-suite.js';
export { ContractViolation, runContractSuite } from './contracts/contract-suite.js';
export type {
  RateLimitStoreContractOptions,
  RateLimitStoreLike,
} from './contracts/rate-limit-store-contract.js';
export { rateLimitStoreContract } from './contracts/rate-limit-store-contract.js';
export type { SessionStoreContractOptions } from './contracts/session-store-contract.js';
export { sessionStoreContract } from './contracts/session-store-contract.js';
export type { TaskStoreContractOptions } from './contracts/task-store-contract.js';
export { taskStoreContract } from './contracts/task-store-contract.js';
export { expectToolError, resultText, ToolErrorAssertion } from './expect-tool-error.js';
export type { MockContext, MockContextOptions, RecordedCalls } from './isolation/mock-context.js';
export { mockContext } from './isolation/mock-context.js';
export type { MiddlewareRun, RunMiddlewareOptions } from './isolation/run-middleware.js';
export { runMiddleware } from './isolation/run-middleware.js';
export type { ToolHandlerRun } from './isolation/run-tool-handler.js';
export { runToolHandler } from './isolation/run-tool-handler.js';
export type { MockUpstream, MockUpstreamOptions } from './mock-upstream.js';
export { mockUpstream } from './mock-upstream.js';
export type {
  MockFaultKind,
  MockFaults,
  MockReply,
  MockStep,
  RecordedRequest,
} from './mock-upstream-script.js';
export { seededRandom } from './mock-upstream-script.js';
export type { Cassette, CassetteEntry } from './record-replay/cassette.js';
export { loadCassette, saveCassette } from './record-replay/cassette.js';
export type { RecordUpstreamOptions, UpstreamRecorder } from './record-replay/record-upstream.js';
export { recordUpstream } from './record-replay/record-upstream.js';
export type { ReplayUpstreamOptions, UpstreamReplay } from './record-replay/replay-upstream.js';
export { replayUpstream } from './record-replay/replay-upstream.js';
export type { TestServer } from './serve-for-test.js';
export { serveForTest } from './serve-for-test.js';
export type { ContractValue, ServerContract } from './server-contract.js';
export { formatContract, serverContract } from './server-contract.js';
export type {
  RawTaskAnswer,
  RawTaskRequest,
  TaskElicitationAnswer,
  TaskRequester,
  TaskRequesterOptions,
  TaskRun,
  TaskRunHooks,
} from './task-requester.js';
export { connectTaskRequester, modernTaskDispatch, TASKS_CAPABILITY } from './task-requester.js';
export type {
  CallOptions,
  CapturedLog,
  CapturedProgress,
  LocalTestServer,
  TestClient,
  TestClientOptions,
} from './test-client.js';
export { connectTestClient, createTestClient } from './test-client.js';
export type {
  TestCallParams,
  TestCallResult,
  TestClientTools,
  TestToolName,
  TypedCallToolResult,
} from './typed-calls.js';
