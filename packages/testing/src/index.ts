export type { ClientMatrixOptions, ClientMatrixRun, StdioCommand, TestTransport } from './client-matrix.js';
export { clientMatrix } from './client-matrix.js';
export { expectToolError, resultText, ToolErrorAssertion } from './expect-tool-error.js';
export { InProcessTransport } from './in-process-transport.js';
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
export type { TestServer } from './serve-for-test.js';
export { serveForTest } from './serve-for-test.js';
export type {
  CallOptions,
  CapturedLog,
  CapturedProgress,
  TestClient,
  TestClientOptions,
} from './test-client.js';
export { connectTestClient, createTestClient } from './test-client.js';
