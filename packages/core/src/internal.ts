/**
 * `@mcpkit/core/internal`: what mcpkit's own packages and transport authors build on, and app
 * authors never need. The engine as a transport sees it ({@link Engine}, {@link StreamConnection}
 * over any message stream), the frozen registry and definitions the builder produces, the schema
 * compiler, and the logger wrapper every package's logging passes through.
 *
 * Unstable: this entry is not covered by semantic versioning until mcpkit 1.0. Anything here may
 * change or disappear in a minor release. A server needs only `@mcpkit/core`; if you find yourself
 * importing from here in an app, the main entry is missing something: please open an issue.
 *
 * @packageDocumentation
 */

export type { Cancellation } from './engine/cancellation.js';
export type { ChangeEvent, Engine, Outcome } from './engine/engine.js';
export type { CallEnv, Exchange } from './engine/exchange.js';
export type { Inflight } from './engine/inflight.js';
export type {
  FrozenPrompt,
  FrozenResource,
  FrozenTemplate,
  FrozenTool,
  Registry,
} from './engine/registry.js';
export type { CompiledSchema, SchemaOwner } from './engine/schema.js';
export { compileSchema } from './engine/schema.js';
export type { EngineDefinition, PromptSpec, ResourceSpec, ToolSpec } from './engine/server-definition.js';
export type { ServerEngine } from './engine/server-engine.js';
export { newTaskRecord, ownerTaskLimit } from './engine/tasks/task-store.js';
export { redactingLogger } from './observability/logger.js';
export { isValidInputResponse } from './protocol/input-responses.js';
export type { RpcErrorObject, RpcId, RpcRequest, RpcResponse } from './protocol/jsonrpc.js';
export type { LegacyState } from './protocol/legacy-state.js';
export type { ServerDefinition } from './server.js';
export type { ConnectionOptions } from './transports/connection.js';
export { StreamConnection } from './transports/connection.js';
export { InProcessTransport } from './transports/in-process-transport.js';
