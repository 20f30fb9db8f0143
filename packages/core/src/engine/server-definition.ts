import type { Icon, ServerCapabilities } from '@modelcontextprotocol/server';
import type { Logger } from '../observability/logger.js';
import type { Telemetry } from '../observability/telemetry.js';
import type {
  HealthCheck,
  PromptOptions,
  ResourceOptions,
  ResourceTemplateOptions,
  ToolOptions,
} from './definitions.js';
import type { EdgeGuard, RouteHandler } from './edge.js';
import type { ScopedMiddleware } from './middleware.js';
import type { ParamLimits } from './param-limits.js';
import type { AnySchema, StandardSchemaV1 } from './schema.js';
import type { TasksOptions } from './tasks/tasks.js';

/** Options of {@link createServer}. */
export interface ServerOptions {
  /** Server name, reported to clients. */
  name: string;
  /** Server version, reported to clients and on `/readyz`. */
  version: string;
  /** Human-readable title. */
  title?: string;
  /** Instructions for the model on how to use this server. */
  instructions?: string;
  /** Website of the server. */
  websiteUrl?: string;
  icons?: Icon[];
  /** Logger for the server and every request; every line passes `redact()`. Default: JSON lines on standard error at `LOG_LEVEL` (info). */
  logger?: Logger;
  /** Telemetry channel. Default: a new one per server. */
  telemetry?: Telemetry;
  /** Extra capabilities to advertise (merged over what the registry implies). */
  capabilities?: Partial<ServerCapabilities>;
  /**
   * Secret that protects modern-era `requestState` against tampering; every instance behind one
   * load balancer needs the same value. Default: random per process.
   */
  requestStateSecret?: string;
  /** Cache hint (`ttlMs`) for modern-era list responses, in milliseconds. Default: 0 (do not cache). */
  listTtlMs?: number;
  /**
   * Items per page of `tools/list`, `resources/list`, `resources/templates/list` and `prompts/list`
   * (clients follow `nextCursor`), for servers with hundreds of items. Default: none (one page).
   */
  listPageSize?: number;
  /** The Tasks extension: where tasks live, how long they are kept, how many run at once. Default: see {@link TasksOptions}. */
  tasks?: TasksOptions;
  /** Length limits on URIs, names and cursors in requests. Default: 8 192 / 256 / 1 024 characters. */
  requestLimits?: ParamLimits;
}

/** A tool as recorded by the builder. */
export interface ToolSpec {
  name: string;
  options: ToolOptions<AnySchema | undefined, AnySchema | undefined>;
}

/** A resource or template as recorded by the builder. */
export type ResourceSpec =
  | { kind: 'static'; uri: string; options: ResourceOptions }
  | { kind: 'template'; uriTemplate: string; options: ResourceTemplateOptions };

/** A prompt as recorded by the builder. */
export interface PromptSpec {
  name: string;
  options: PromptOptions<StandardSchemaV1 | undefined>;
}

/**
 * What the engine is built from: the options and every registration the builder collected.
 * The façade's `ServerDefinition` adds what only a transport uses.
 */
export interface EngineDefinition {
  options: ServerOptions;
  tools: ToolSpec[];
  resources: ResourceSpec[];
  prompts: PromptSpec[];
  middleware: ScopedMiddleware[];
  health: Array<{ name: string; check: HealthCheck }>;
  /** Work that must finish before a drained server stops (flushing buffered records), by name. */
  drained: Array<{ name: string; task: () => unknown }>;
  guards: EdgeGuard[];
  routes: Map<string, RouteHandler>;
}
