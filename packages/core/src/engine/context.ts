import type {
  CallToolResult,
  ClientCapabilities,
  CompleteResult,
  CreateMessageRequestParams,
  CreateMessageResult,
  ElicitRequestParams,
  ElicitResult,
  GetPromptResult,
  Implementation,
  ListRootsResult,
  Prompt,
  ReadResourceResult,
  Resource,
  ResourceTemplateType,
  Tool,
} from '@modelcontextprotocol/server';
import type { Logger } from '../observability/logger.js';
import type { Telemetry } from '../observability/telemetry.js';
import type { Era, LoggingLevel } from '../protocol/versions.js';

/** A verified caller identity, set by auth middleware. Never carries the raw credential. */
export interface AuthIdentity {
  /** Stable id of the caller (user, service or API-key owner). */
  subject: string;
  /** OAuth client id, when there is one. */
  clientId?: string;
  /** Granted scopes. */
  scopes: readonly string[];
  /** Verified claims worth passing inward (tenant, roles, …). */
  claims?: Readonly<Record<string, unknown>>;
}

/**
 * Values middleware pass inward to later layers and handlers. Packages add typed keys through
 * declaration merging: `declare module '@mcpkit/core' { interface ContextState { tenant: string } }`.
 */
// biome-ignore lint/suspicious/noEmptyInterface: extended by declaration merging
export interface ContextState {}

/** What the client said about itself (initialize in the legacy era, the `_meta` envelope in the modern one). */
export interface ClientDescription {
  info: Implementation | undefined;
  capabilities: ClientCapabilities;
  /**
   * False when the client's self-description is unknown (a stateless legacy HTTP request, or a
   * legacy request before `initialize`); `capabilities` is then empty and proves nothing.
   */
  described: boolean;
}

/**
 * The methods that run through middleware chains (and that a middleware can be scoped to).
 * Handshake and session plumbing (`initialize`, `server/discover`, `logging/setLevel`,
 * `resources/(un)subscribe`, `subscriptions/listen`) is answered by the transport, outside them.
 */
export type McpMethod =
  | 'ping'
  | 'tools/list'
  | 'tools/call'
  | 'resources/list'
  | 'resources/templates/list'
  | 'resources/read'
  | 'prompts/list'
  | 'prompts/get'
  | 'completion/complete';

/** Everything a request carries, whatever its method. */
export interface BaseContext {
  /** Correlation id of this request (from `X-Request-Id` when valid, else generated). Goes in every log line. */
  readonly requestId: string;
  /** The JSON-RPC id of the request. */
  readonly rpcId: string | number;
  /** Protocol era of the request. */
  readonly era: Era;
  /** Negotiated protocol revision. */
  readonly protocolVersion: string;
  /** The JSON-RPC method. */
  readonly method: McpMethod;
  /** Tool, prompt or resource (URI) the request targets, if any. */
  readonly name: string | undefined;
  /** The raw `params` of the request. */
  readonly params: Readonly<Record<string, unknown>>;
  /** Verified identity; set by auth middleware, undefined for anonymous callers. */
  auth: AuthIdentity | undefined;
  /** Request headers, lower-cased, read-only (on stdio: those derived from the launch environment, often none). */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** Address of the HTTP peer (the proxy's, behind one); undefined on stdio and in process. */
  readonly remoteAddress: string | undefined;
  /**
   * The client's address: the peer's, or read from the right of `X-Forwarded-For` past the proxies
   * the endpoint's `trustProxy` option trusts; undefined on stdio and in process.
   */
  readonly clientAddress: string | undefined;
  /**
   * Aborts on client cancellation or server shutdown. A middleware may replace it with a narrower
   * signal for the layers inside it (for example `AbortSignal.any([ctx.signal, timeout])`).
   */
  signal: AbortSignal;
  /** A logger whose lines carry the request id. */
  readonly logger: Logger;
  /** The server's telemetry channel. */
  readonly telemetry: Telemetry;
  /** The client's self-description. */
  readonly client: ClientDescription;
  /** Values passed inward by middleware. */
  readonly state: Partial<ContextState>;
  /** Reports progress when the client asked for it (a progress token); otherwise does nothing. */
  progress(progress: number, total?: number, message?: string): void;
  /**
   * Ends this request's event-stream connection early (the client reconnects and resumes with
   * `Last-Event-ID`): long-running calls use it to poll instead of holding a connection. Returns
   * false where the stream is not resumable (stdio, modern era, no event store).
   */
  closeStream(): boolean;
  /** Sends a log message to the client when its level allows; the modern era sends only when the request asked for logs. */
  log(level: LoggingLevel, data: unknown, logger?: string): void;
  /** Asks the user for input through the client (legacy: a request on this call's stream; modern: `input_required`). */
  elicit(params: ElicitRequestParams): Promise<ElicitResult>;
  /** Asks the client's model for a completion (legacy: a request on this call's stream; modern: `input_required`). */
  sample(params: CreateMessageRequestParams): Promise<CreateMessageResult>;
  /** Asks the client for its roots (legacy: a request on this call's stream; modern: `input_required`). */
  listRoots(): Promise<ListRootsResult>;
  /**
   * Asks for several inputs in one round (modern: one `input_required` result with every key;
   * legacy: the requests are sent one after another). Keys name the answers.
   */
  requestInputs<K extends string>(requests: Record<K, InputRequestSpec>): Promise<Record<K, unknown>>;
}

/** One input a handler asks the client for. */
export type InputRequestSpec =
  | { method: 'elicitation/create'; params: ElicitRequestParams }
  | { method: 'sampling/createMessage'; params: CreateMessageRequestParams }
  | { method: 'roots/list'; params?: Record<string, unknown> };

/** Context of a `tools/call` request. */
export interface ToolCallContext<Args = unknown> extends BaseContext {
  readonly method: 'tools/call';
  readonly name: string;
  /** The tool's listing entry (annotations, schemas, `_meta`). */
  readonly tool: Tool;
  /** Arguments as sent by the client, before validation. */
  readonly arguments: Readonly<Record<string, unknown>>;
  /** Arguments after validation (set before per-tool middleware and the handler run). */
  args: Args;
  /** The task this call runs as (the Tasks extension), once it has detached; undefined otherwise. */
  readonly taskId: string | undefined;
  /**
   * Turns a task-eligible call into a task now and detaches the handler from the request (for a
   * tool with `task: { detach: 'manual' }`, after asking for input synchronously). Resolves at
   * once when the call cannot run as a task, or already does.
   */
  detach(): Promise<void>;
}

/** Context of a list request; its result carries the item array so middleware can filter it. */
export interface ListContext<M extends McpMethod> extends BaseContext {
  readonly method: M;
}

/** Context of a `resources/read` request. */
export interface ResourceReadContext extends BaseContext {
  readonly method: 'resources/read';
  readonly name: string;
  readonly uri: string;
}

/** Context of a `prompts/get` request. */
export interface PromptGetContext extends BaseContext {
  readonly method: 'prompts/get';
  readonly name: string;
  readonly arguments: Readonly<Record<string, string>>;
}

/** Result types by method, as middleware see them. */
export interface MethodResults {
  ping: Record<string, never>;
  'tools/list': { tools: Tool[]; nextCursor?: string };
  'tools/call': CallToolResult;
  'resources/list': { resources: Resource[]; nextCursor?: string };
  'resources/templates/list': { resourceTemplates: ResourceTemplateType[]; nextCursor?: string };
  'resources/read': ReadResourceResult;
  'prompts/list': { prompts: Prompt[]; nextCursor?: string };
  'prompts/get': GetPromptResult;
  'completion/complete': CompleteResult;
}

/** Contexts by method. */
export interface MethodContexts {
  'tools/call': ToolCallContext;
  'resources/read': ResourceReadContext;
  'prompts/get': PromptGetContext;
}

/** The context type a middleware for method `M` receives. */
export type ContextOf<M extends McpMethod> = M extends keyof MethodContexts
  ? MethodContexts[M]
  : ListContext<M>;

/** The result type a middleware for method `M` returns. */
export type ResultOf<M extends McpMethod> = MethodResults[M];
