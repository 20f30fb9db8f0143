/**
 * `@mcpkit/core`: build an MCP server with `createServer()`, then serve it over Streamable HTTP,
 * a fetch handler or stdio, in both protocol eras. Everything a server author writes is exported
 * here; the pieces sibling packages and transport authors build on are in the unstable
 * `@mcpkit/core/internal` entry.
 *
 * @packageDocumentation
 */

export type { NoTools, Plugin, ToolsOf } from './builder.js';
export { createServer, ServerBuilder } from './builder.js';
export type {
  BatchArgs,
  BatchItemResult,
  BatchResult,
  BatchToolOptions,
  BatchValueOf,
} from './engine/batch-tool.js';
export { batchTool } from './engine/batch-tool.js';
export type { Clock, ClockTimer } from './engine/clock.js';
export { clockNow, sleepOn, systemClock } from './engine/clock.js';
export type { ConfigOptions } from './engine/config.js';
export { ConfigError, defineConfig, secret } from './engine/config.js';
export type {
  AuthIdentity,
  BaseContext,
  ClientDescription,
  ContextOf,
  ContextState,
  InputRequestSpec,
  ListContext,
  McpMethod,
  MethodContexts,
  MethodResults,
  PromptGetContext,
  ResourceReadContext,
  ResultOf,
  ToolCallContext,
} from './engine/context.js';
export type {
  CursorPagination,
  CursorPaginationOptions,
  CursorPosition,
  CursorScope,
  OffsetSlice,
  Page,
  PageRequest,
  UpstreamCursorSlice,
} from './engine/cursor-pagination.js';
export { createCursorPagination } from './engine/cursor-pagination.js';
export type {
  Completer,
  HealthCheck,
  HealthCheckResult,
  IsTemplate,
  PromptOptions,
  PromptReturn,
  ResourceOptions,
  ResourceReturn,
  ResourceTemplateOptions,
  TemplateVariables,
  ToolOptions,
} from './engine/definitions.js';
export type {
  EdgeDecision,
  EdgeGuard,
  EdgeRequest,
  HttpRefusalOptions,
  RouteHandler,
  RouteRequest,
  RouteResponse,
} from './engine/edge.js';
export { HttpRefusal } from './engine/edge.js';
export type { McpkitErrorOptions, ToolErrorPayload } from './engine/errors.js';
export { ErrorCode, isMcpkitError, McpkitError, toErrorPayload, toMcpkitError } from './engine/errors.js';
export type { HealthCheckReport, HealthReport } from './engine/health.js';
export type { InputRequiredSignal } from './engine/input-required.js';
export { isInputRequired } from './engine/input-required.js';
export type { Middleware, Next, ScopedMiddleware, ToolResultOf } from './engine/middleware.js';
export { compose } from './engine/middleware.js';
export type { ParamLimits } from './engine/param-limits.js';
export type {
  AnySchema,
  FieldIssue,
  Infer,
  InferInput,
  JsonSchemaInput,
  JsonSchemaObject,
  StandardSchemaV1,
  ZodRawShape,
} from './engine/schema.js';
export { jsonSchema } from './engine/schema.js';
export type { ServerOptions } from './engine/server-definition.js';
export type { MemoryTaskStoreOptions } from './engine/tasks/memory-task-store.js';
export { createMemoryTaskStore } from './engine/tasks/memory-task-store.js';
export type { NewTask, TaskOutcome, TaskRecord, TaskSignal, TaskStore } from './engine/tasks/task-store.js';
export type { TasksOptions, ToolTaskOptions } from './engine/tasks/tasks.js';
export type { ToolMap, ToolSignature, ToolSignatureOf } from './engine/tool-signature.js';
export type { LoadPluginsOptions } from './load-plugins.js';
export { loadPlugins } from './load-plugins.js';
export type { Logger, LoggerOptions, LogLevel } from './observability/logger.js';
export { createLogger, silentLogger } from './observability/logger.js';
export type { RedactOptions, SecretRules } from './observability/redact.js';
export {
  createRedactor,
  passesLuhn,
  redact,
  redactedExcerpt,
  registerSecrets,
} from './observability/redact.js';
export type {
  RequestOutcome,
  Telemetry,
  TelemetryEventName,
  TelemetryEvents,
  TelemetryListener,
} from './observability/telemetry.js';
export { createTelemetry } from './observability/telemetry.js';
export type { ToolReturn } from './protocol/content.js';
export {
  audioContent,
  imageContent,
  resourceContent,
  resourceLink,
  textContent,
} from './protocol/content.js';
export { ProtocolError, RpcCode } from './protocol/rpc-error.js';
export type { TaskStatus, TaskSupport } from './protocol/tasks.js';
export { TASKS_EXTENSION } from './protocol/tasks.js';
export type { Era, LoggingLevel } from './protocol/versions.js';
export {
  LEGACY_VERSIONS,
  LOGGING_LEVELS,
  META,
  MODERN_VERSIONS,
  SUPPORTED_VERSIONS,
} from './protocol/versions.js';
export { McpkitServer } from './server.js';
export type { TrustProxy } from './transports/http/client-address.js';
export { clientAddressOf } from './transports/http/client-address.js';
export type {
  EventStore,
  EventStoreUsage,
  MemoryEventStore,
  MemoryEventStoreOptions,
} from './transports/http/event-store.js';
export { createMemoryEventStore } from './transports/http/event-store.js';
export type { FetchHandler, FetchHandlerOptions } from './transports/http/fetch-handler.js';
export type { HttpHandlerOptions, SessionOptions } from './transports/http/handler-options.js';
export type { HttpCallUsage } from './transports/http/http-calls.js';
export type { HttpServerHandle, ServeOptions } from './transports/http/node-server.js';
export type {
  MemorySessionStoreOptions,
  SessionRecord,
  SessionStore,
} from './transports/http/session-store.js';
export { createMemorySessionStore } from './transports/http/session-store.js';
export type { StreamLimits } from './transports/http/stream-limits.js';
export type { StdioHandle, StdioOptions } from './transports/stdio.js';
export type { StdioHeaderSource } from './transports/stdio-headers.js';
