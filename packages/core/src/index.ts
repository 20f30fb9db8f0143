export type {
  Plugin,
  PromptSpec,
  ResourceSpec,
  ServerDefinition,
  ServerOptions,
  ToolSpec,
} from './builder.js';
export { createServer, ServerBuilder } from './builder.js';
export type { TrustProxy } from './client-address.js';
export { clientAddressOf } from './client-address.js';
export type { ConfigOptions } from './config.js';
export { ConfigError, defineConfig, secret } from './config.js';
export type { ConnectionOptions } from './connection.js';
export { StreamConnection } from './connection.js';
export type { ToolReturn } from './content.js';
export { audioContent, imageContent, resourceContent, resourceLink, textContent } from './content.js';
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
} from './context.js';
export type {
  Completer,
  HealthCheck,
  HealthCheckResult,
  PromptOptions,
  PromptReturn,
  ResourceOptions,
  ResourceReturn,
  ResourceTemplateOptions,
  TemplateVariables,
  ToolOptions,
} from './definitions.js';
export type {
  EdgeDecision,
  EdgeGuard,
  EdgeRequest,
  HttpRefusalOptions,
  RouteHandler,
  RouteRequest,
  RouteResponse,
} from './edge.js';
export { HttpRefusal } from './edge.js';
export type { McpkitErrorOptions, ToolErrorPayload } from './errors.js';
export {
  ErrorCode,
  isMcpkitError,
  McpkitError,
  ProtocolError,
  RpcCode,
  toErrorPayload,
  toMcpkitError,
} from './errors.js';
export type { HealthCheckReport, HealthReport } from './health.js';
export type {
  EventStore,
  EventStoreUsage,
  MemoryEventStore,
  MemoryEventStoreOptions,
} from './http/event-store.js';
export { createMemoryEventStore } from './http/event-store.js';
export type { FetchHandler, FetchHandlerOptions } from './http/fetch-handler.js';
export type { HttpHandlerOptions, SessionOptions } from './http/handler-options.js';
export type { HttpCallUsage } from './http/http-calls.js';
export type { HttpServerHandle, ServeOptions } from './http/node-server.js';
export type { MemorySessionStoreOptions, SessionRecord, SessionStore } from './http/session-store.js';
export { createMemorySessionStore } from './http/session-store.js';
export type { StreamLimits } from './http/stream-limits.js';
export { isInputRequired } from './input-required.js';
export type { Logger, LoggerOptions, LogLevel } from './logger.js';
export { createLogger, redactingLogger, silentLogger } from './logger.js';
export type { Middleware, Next, ScopedMiddleware } from './middleware.js';
export { compose } from './middleware.js';
export type { ParamLimits } from './param-limits.js';
export type { Era, LoggingLevel } from './protocol.js';
export {
  LEGACY_VERSIONS,
  LOGGING_LEVELS,
  META,
  MODERN_VERSIONS,
  SUPPORTED_VERSIONS,
} from './protocol.js';
export type { RedactOptions, SecretRules } from './redact.js';
export { createRedactor, passesLuhn, redact, redactedExcerpt, registerSecrets } from './redact.js';
export type {
  AnySchema,
  CompiledSchema,
  FieldIssue,
  Infer,
  JsonSchemaInput,
  JsonSchemaObject,
  SchemaOwner,
  StandardSchemaV1,
  ZodRawShape,
} from './schema.js';
export { compileSchema, jsonSchema } from './schema.js';
export type { ChangeEvent, LegacyState, Outcome } from './server.js';
export { McpkitServer } from './server.js';
export type { StdioHandle, StdioOptions } from './stdio.js';
export type { StdioHeaderSource } from './stdio-headers.js';
export type {
  RequestOutcome,
  Telemetry,
  TelemetryEventName,
  TelemetryEvents,
  TelemetryListener,
} from './telemetry.js';
export { createTelemetry } from './telemetry.js';
