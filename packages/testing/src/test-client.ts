import {
  type Era,
  type LoggingLevel,
  type McpkitServer,
  META,
  type ServerBuilder,
  type ToolMap,
} from '@mcpkit/core';
import { InProcessTransport } from '@mcpkit/core/internal';
import {
  type CallToolResult,
  Client,
  type ClientCapabilities,
  type CreateMessageRequestParams,
  type CreateMessageResult,
  type ElicitRequestParams,
  type ElicitResult,
  type GetPromptResult,
  type ListPromptsResult,
  type ListResourcesResult,
  type ListResourceTemplatesResult,
  type ListToolsResult,
  type ReadResourceResult,
  type Root,
  StreamableHTTPClientTransport,
  type Transport,
} from '@modelcontextprotocol/client';
import type { CallOptions } from './call-options.js';
import type { TestCallParams, TestCallResult, TestClientTools, TestToolName } from './typed-calls.js';

export type { CallOptions, CapturedProgress } from './call-options.js';

/** A log message the server sent to the client. */
export interface CapturedLog {
  level: LoggingLevel;
  data: unknown;
  logger?: string;
}

/** Options of {@link createTestClient} and {@link connectTestClient}. */
export interface TestClientOptions {
  /** Protocol era to speak. Default: `modern` (2026-07-28). */
  era?: Era;
  /** Capabilities to declare. Default: those implied by the handlers given below. */
  capabilities?: ClientCapabilities;
  /** Answers elicitation requests (declares the `elicitation` capability). */
  elicitation?: (params: ElicitRequestParams) => ElicitResult | Promise<ElicitResult>;
  /** Answers sampling requests (declares the `sampling` capability). */
  sampling?: (params: CreateMessageRequestParams) => CreateMessageResult | Promise<CreateMessageResult>;
  /** Roots to report (declares the `roots` capability). */
  roots?: Root[] | (() => Root[] | Promise<Root[]>);
  /** Log level to ask for: sent as `logging/setLevel` (legacy) or in every request's envelope (modern). */
  logLevel?: LoggingLevel;
  /** Request headers the server sees in process (`ctx.headers`), or sends over HTTP. */
  headers?: Record<string, string>;
  /** Client name reported to the server. Default: `mcpkit-test-client`. */
  clientName?: string;
  /**
   * The `fetch` the HTTP client uses (`connectTestClient` only), e.g. a server's web-standard
   * handler: `(url, init) => handler(new Request(url, init))`. Default: the global `fetch`.
   */
  fetch?: (url: string | URL, init?: RequestInit) => Promise<Response>;
}

/** An mcpkit server in the same process: its builder or the built server. */
export type LocalTestServer = McpkitServer<ToolMap> | ServerBuilder<ToolMap>;

/**
 * A connected MCP client with typed shortcuts and everything the server sent it captured.
 * `Tools` is the server's tool map (see {@link TestClientTools}): `callTool` then accepts only the
 * server's tool names, checks the arguments against each tool's input type and types
 * `structuredContent` by its output schema. `undefined` leaves it untyped.
 */
export interface TestClient<Tools extends ToolMap | undefined = undefined> {
  /** The underlying official SDK client. */
  readonly client: Client;
  /** The era the connection landed on. */
  readonly era: Era;
  /** Log messages received, in order. */
  readonly logs: CapturedLog[];
  /** Notifications received (other than log messages), in order. */
  readonly notifications: Array<{ method: string; params?: Record<string, unknown> }>;
  /** Calls a tool: typed by the server's tool map when the client has one. */
  callTool<Name extends TestToolName<Tools>>(
    name: Name,
    ...params: TestCallParams<Tools, Name>
  ): Promise<TestCallResult<Tools, Name>>;
  /**
   * Calls a tool without type checks on the name or the arguments, for tests that send what the
   * types forbid on purpose (an unknown tool, invalid arguments) to see the server's answer.
   */
  callToolUnchecked(
    name: string,
    args?: Record<string, unknown>,
    options?: CallOptions,
  ): Promise<CallToolResult>;
  listTools(): Promise<ListToolsResult>;
  listResources(): Promise<ListResourcesResult>;
  listResourceTemplates(): Promise<ListResourceTemplatesResult>;
  readResource(uri: string): Promise<ReadResourceResult>;
  listPrompts(): Promise<ListPromptsResult>;
  getPrompt(name: string, args?: Record<string, string>): Promise<GetPromptResult>;
  complete(
    ref: { type: 'ref/prompt'; name: string } | { type: 'ref/resource'; uri: string },
    argument: { name: string; value: string },
  ): Promise<{ values: string[]; total?: number; hasMore?: boolean }>;
  close(): Promise<void>;
}

function buildClient(options: TestClientOptions): Client {
  const capabilities: ClientCapabilities = { ...options.capabilities };
  if (options.elicitation && !capabilities.elicitation) capabilities.elicitation = {};
  if (options.sampling && !capabilities.sampling) capabilities.sampling = {};
  if (options.roots && !capabilities.roots) capabilities.roots = {};
  const era = options.era ?? 'modern';
  const client = new Client(
    { name: options.clientName ?? 'mcpkit-test-client', version: '1.0.0' },
    {
      capabilities,
      ...(era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {}),
    },
  );
  if (options.elicitation) {
    const answer = options.elicitation;
    client.setRequestHandler('elicitation/create', async (request) =>
      answer(request.params as ElicitRequestParams),
    );
  }
  if (options.sampling) {
    const answer = options.sampling;
    client.setRequestHandler('sampling/createMessage', async (request) =>
      answer(request.params as CreateMessageRequestParams),
    );
  }
  if (options.roots) {
    const roots = options.roots;
    client.setRequestHandler('roots/list', async () => ({
      roots: typeof roots === 'function' ? await roots() : roots,
    }));
  }
  return client;
}

/** Connects a test client over any client transport (in process, HTTP, stdio). Internal to the package. */
export async function connectWith(transport: Transport, options: TestClientOptions): Promise<TestClient> {
  const client = buildClient(options);
  const logs: CapturedLog[] = [];
  const notifications: TestClient['notifications'] = [];
  client.setNotificationHandler('notifications/message', (n) => {
    logs.push(n.params as CapturedLog);
  });
  for (const method of [
    'notifications/tools/list_changed',
    'notifications/prompts/list_changed',
    'notifications/resources/list_changed',
    'notifications/resources/updated',
  ] as const) {
    client.setNotificationHandler(method, (n) => {
      notifications.push({ method, ...(n.params ? { params: n.params as Record<string, unknown> } : {}) });
    });
  }
  await client.connect(transport);
  const era = (client.getProtocolEra() ?? 'legacy') as Era;
  if (options.logLevel && era === 'legacy') await client.setLoggingLevel(options.logLevel);
  const envelopeMeta = (extra?: Record<string, unknown>): Record<string, unknown> | undefined => {
    const meta: Record<string, unknown> = { ...extra };
    if (options.logLevel && era === 'modern') meta[META.logLevel] = options.logLevel;
    return Object.keys(meta).length > 0 ? meta : undefined;
  };
  const withMeta = <P extends Record<string, unknown>>(params: P, extra?: Record<string, unknown>): P => {
    const meta = envelopeMeta(extra);
    return meta ? { ...params, _meta: meta } : params;
  };
  const callTool = async (
    name: string,
    args?: Record<string, unknown>,
    callOptions: CallOptions = {},
  ): Promise<CallToolResult> => {
    const result = await client.callTool(withMeta({ name, arguments: args ?? {} }, callOptions.meta), {
      ...(callOptions.signal ? { signal: callOptions.signal } : {}),
      ...(callOptions.timeoutMs ? { timeout: callOptions.timeoutMs } : {}),
      ...(callOptions.onProgress ? { onprogress: callOptions.onProgress } : {}),
    });
    return result as CallToolResult;
  };
  return {
    client,
    era,
    logs,
    notifications,
    // The typed signature is a view of the same call: the server checks what the types promise.
    callTool: callTool as TestClient['callTool'],
    callToolUnchecked: callTool,
    listTools: () => client.listTools(withMeta({})) as Promise<ListToolsResult>,
    listResources: () => client.listResources(withMeta({})) as Promise<ListResourcesResult>,
    listResourceTemplates: () =>
      client.listResourceTemplates(withMeta({})) as Promise<ListResourceTemplatesResult>,
    readResource: (uri) => client.readResource(withMeta({ uri })) as Promise<ReadResourceResult>,
    listPrompts: () => client.listPrompts(withMeta({})) as Promise<ListPromptsResult>,
    getPrompt: (name, args) =>
      client.getPrompt(withMeta({ name, ...(args ? { arguments: args } : {}) })) as Promise<GetPromptResult>,
    async complete(ref, argument) {
      const result = await client.complete(withMeta({ ref, argument }));
      return result.completion;
    },
    close: () => client.close(),
  };
}

/** Builds a builder; passes a built server through. Internal to the package. */
export function toServer(target: LocalTestServer): McpkitServer {
  // Duck-typed so a server built from another copy of @mcpkit/core still works.
  return ('build' in target ? target.build() : target) as McpkitServer;
}

/**
 * Connects a real MCP client to a server in the same process (no sockets), in the era you choose.
 * Pass a builder or a built server; the client is typed by its tools (see {@link TestClient}).
 */
export function createTestClient<S extends LocalTestServer>(
  target: S,
  options: TestClientOptions = {},
): Promise<TestClient<TestClientTools<S>>> {
  return connectWith(new InProcessTransport(toServer(target), options.headers), options) as Promise<
    TestClient<TestClientTools<S>>
  >;
}

/**
 * Connects a real MCP client to a Streamable HTTP endpoint (for example one from `serveForTest`).
 * The type argument (`typeof server`, or a hand-written `ToolMap`) types `callTool`; without one
 * the client is untyped.
 */
export function connectTestClient<S = undefined>(
  url: string,
  options: TestClientOptions = {},
): Promise<TestClient<TestClientTools<S>>> {
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    ...(options.headers ? { requestInit: { headers: options.headers } } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  return connectWith(transport, options) as Promise<TestClient<TestClientTools<S>>>;
}
