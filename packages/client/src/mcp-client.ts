import type { Era, ToolMap } from '@mcpkit/core';
import type {
  CacheMode,
  CallToolResult,
  Client,
  CompleteResult,
  GetPromptResult,
  Implementation,
  ReadResourceResult,
  ServerCapabilities,
} from '@modelcontextprotocol/client';
import type { ClientSubscription } from './client-events.js';
import type { ClientTasks } from './client-tasks.js';
import type { ListedItem } from './list-all.js';
import type { ToolCallers, ToolCallOptions } from './typed-tools.js';

/** Per-request options of the client's read methods. */
export interface RequestCallOptions {
  signal?: AbortSignal;
  /** Deadline of this request, retries included. Default: the client's `timeoutMs`. */
  timeoutMs?: number;
  /**
   * The SEP-2549 cache (`list*()` and `readResource`): `use` serves a result whose `ttlMs` has not
   * passed without a round trip, `refresh` fetches and stores, `bypass` fetches without the cache.
   * Default: `use`.
   */
  cache?: CacheMode;
}

/** A connected client (see `createClient`). `Tools` types `client.tools`. */
export interface McpClient<Tools extends ToolMap | undefined = undefined> {
  /** One method per tool: typed by the server's type, resolving to the tool's output. */
  readonly tools: ToolCallers<Tools>;
  /** The era the connection landed on. */
  readonly era: Era;
  /** The protocol version negotiated. */
  readonly protocolVersion: string | undefined;
  /** What the server says it is. */
  readonly serverInfo: Implementation | undefined;
  /** What the server can do. */
  readonly serverCapabilities: ServerCapabilities | undefined;
  /** The state of this target's circuit breaker. */
  readonly breakerState: string;
  /**
   * The Tasks extension by hand (start a task and keep its id, read, follow, cancel). Tool calls
   * follow tasks by themselves; this is for callers that want the id.
   */
  readonly tasks: ClientTasks;
  /** The official SDK client underneath, for what this one does not wrap. */
  readonly sdk: Client;
  /**
   * Calls a tool by name and resolves to its whole result. A coded tool error rejects with a
   * `RemoteError`; an uncoded `isError` result is returned as it came.
   */
  callTool(name: string, args?: Record<string, unknown>, options?: ToolCallOptions): Promise<CallToolResult>;
  /**
   * Every tool of the server in one array (all pages). Honours the SEP-2549 cache hints of the
   * modern era: while the result's `ttlMs` lasts it is served without a round trip; a list-changed
   * notification (see {@link McpClient.onToolsChanged}) drops it.
   */
  listTools(options?: RequestCallOptions): Promise<Array<ListedItem<'tools'>>>;
  /** Every resource (all pages), cached like {@link McpClient.listTools}. */
  listResources(options?: RequestCallOptions): Promise<Array<ListedItem<'resources'>>>;
  /** Every resource template (all pages), cached like {@link McpClient.listTools}. */
  listResourceTemplates(options?: RequestCallOptions): Promise<Array<ListedItem<'resourceTemplates'>>>;
  /** Every prompt (all pages), cached like {@link McpClient.listTools}. */
  listPrompts(options?: RequestCallOptions): Promise<Array<ListedItem<'prompts'>>>;
  /**
   * Calls `listener` when the server's tool list changes (legacy: the unsolicited notification;
   * modern: a `subscriptions/listen` stream the client opens). Also drops the cached listing.
   */
  onToolsChanged(listener: () => void): ClientSubscription;
  /** Calls `listener` when the server's resource list changes. */
  onResourcesChanged(listener: () => void): ClientSubscription;
  /** Calls `listener` when the server's prompt list changes. */
  onPromptsChanged(listener: () => void): ClientSubscription;
  /**
   * Calls `listener` when the resource at `uri` changes (legacy: `resources/subscribe`; modern:
   * the listen stream's `resourceSubscriptions`). Also drops the cached read of that URI.
   */
  onResourceUpdated(uri: string, listener: (uri: string) => void): ClientSubscription;
  /** Every tool of the server, page by page, following `nextCursor` (never cached). */
  listAllTools(options?: RequestCallOptions): AsyncIterable<ListedItem<'tools'>>;
  /** Every resource of the server, following `nextCursor`. */
  listAllResources(options?: RequestCallOptions): AsyncIterable<ListedItem<'resources'>>;
  /** Every resource template of the server, following `nextCursor`. */
  listAllResourceTemplates(options?: RequestCallOptions): AsyncIterable<ListedItem<'resourceTemplates'>>;
  /** Every prompt of the server, following `nextCursor`. */
  listAllPrompts(options?: RequestCallOptions): AsyncIterable<ListedItem<'prompts'>>;
  /** Reads a resource (served from the cache while its SEP-2549 `ttlMs` lasts, dropped on its update). */
  readResource(uri: string, options?: RequestCallOptions): Promise<ReadResourceResult>;
  /** Gets a prompt with its arguments filled in. */
  getPrompt(
    name: string,
    args?: Record<string, string>,
    options?: RequestCallOptions,
  ): Promise<GetPromptResult>;
  /** Asks for completions of a prompt or resource-template argument. */
  complete(
    ref: { type: 'ref/prompt'; name: string } | { type: 'ref/resource'; uri: string },
    argument: { name: string; value: string },
    options?: RequestCallOptions,
  ): Promise<CompleteResult['completion']>;
  /** Closes the connection (ends a spawned server's process). */
  close(): Promise<void>;
}
