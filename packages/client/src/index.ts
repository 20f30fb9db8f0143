/**
 * `@mcpkit/client`: a typed MCP client. `createClient<typeof server>(target)` connects over
 * Streamable HTTP, stdio or in process, in either protocol era, and types `client.tools` by the
 * server's own tool schemas; every call has a deadline, retries what is safe to retry and goes
 * through a circuit breaker.
 *
 * @packageDocumentation
 */

export type { CallPolicyOptions, ClientRetryOptions } from './call-policy.js';
export type { ClientAuth, OAuthAuth } from './client-auth.js';
export type { ClientSubscription, ListChangeKind } from './client-events.js';
export type { ClientEra, ClientOptions, HandlerContext, ServerLog } from './client-options.js';
export type { ClientTarget, LocalServer, StdioTarget, TransportTarget } from './client-target.js';
export type {
  ClientTasks,
  StartedTask,
  TaskRequestOptions,
  TaskResultOptions,
} from './client-tasks.js';
export type { McpClient, RequestCallOptions } from './create-client.js';
export { createClient } from './create-client.js';
export type { ListedItem, ListKind } from './list-all.js';
export type { OAuthProviderOptions } from './oauth-provider.js';
export { createOAuthProvider } from './oauth-provider.js';
export type { RemoteErrorOptions } from './remote-error.js';
export { RemoteError } from './remote-error.js';
export type { TaskEnd, TaskInfo, TaskSnapshot } from './task-wire.js';
export type {
  CallProgress,
  ServerTools,
  ToolCallers,
  ToolCallOptions,
  ToolCallOutput,
} from './typed-tools.js';
