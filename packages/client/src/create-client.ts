import { type Era, McpkitError, META, TASKS_EXTENSION, type ToolMap } from '@mcpkit/core';
import {
  type CacheMode,
  type CallToolResult,
  Client,
  type ClientCapabilities,
  type CompleteResult,
  type GetPromptResult,
  type Implementation,
  type ReadResourceResult,
  type RequestOptions,
  type ServerCapabilities,
  StreamableHTTPClientTransport,
  type Tool,
  type ToolAnnotations,
  UnauthorizedError,
} from '@modelcontextprotocol/client';
import { createCallPolicy } from './call-policy.js';
import { callbackParams } from './client-auth.js';
import { ClientEvents, type ClientSubscription } from './client-events.js';
import type { ClientOptions, ServerLog } from './client-options.js';
import { type ClientTarget, type LocalServer, openTransport } from './client-target.js';
import { type ClientTasks, createClientTasks } from './client-tasks.js';
import { type ListedItem, type ListKind, type ListPager, listAll } from './list-all.js';
import { codedToolError, toolResultError } from './remote-error.js';
import { CALL_MARK, type InputAnswerer, TaskChannel } from './task-channel.js';
import type { ServerTools, ToolCallers, ToolCallOptions } from './typed-tools.js';

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

/** A connected client (see {@link createClient}). `Tools` types `client.tools`. */
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

function capabilitiesOf(options: ClientOptions): ClientCapabilities {
  const capabilities: ClientCapabilities = { ...options.capabilities };
  if (options.elicitation && !capabilities.elicitation) capabilities.elicitation = { form: {} };
  if (options.sampling && !capabilities.sampling) capabilities.sampling = {};
  if (options.roots && !capabilities.roots) capabilities.roots = {};
  if (options.tasks !== false) {
    (capabilities as Record<string, unknown>).extensions = {
      ...(capabilities as { extensions?: object }).extensions,
      [TASKS_EXTENSION]: {},
    };
  }
  return capabilities;
}

function buildSdkClient(options: ClientOptions): Client {
  const era = options.era ?? 'auto';
  const client = new Client(
    { name: options.name ?? 'mcpkit-client', version: options.version ?? '1.0.0' },
    {
      capabilities: capabilitiesOf(options),
      versionNegotiation: { mode: era === 'modern' ? { pin: '2026-07-28' } : era },
    },
  );
  // The same handlers answer legacy server→client requests and modern input_required rounds:
  // the official client routes both through them.
  const { elicitation, sampling, roots, onLog } = options;
  if (elicitation) client.setRequestHandler('elicitation/create', (request) => elicitation(request.params));
  if (sampling) client.setRequestHandler('sampling/createMessage', (request) => sampling(request.params));
  if (roots) {
    client.setRequestHandler('roots/list', async () => ({
      roots: typeof roots === 'function' ? await roots() : roots,
    }));
  }
  if (onLog) client.setNotificationHandler('notifications/message', (n) => onLog(n.params as ServerLog));
  return client;
}

/** Answers a task's input requests with the same handlers that answer the server's requests. */
function answererOf(options: ClientOptions): InputAnswerer {
  const { elicitation, sampling, roots } = options;
  return async (method, params) => {
    if (method === 'elicitation/create' && elicitation) return elicitation(params as never);
    if (method === 'sampling/createMessage' && sampling) return sampling(params as never);
    if (method === 'roots/list' && roots)
      return { roots: typeof roots === 'function' ? await roots() : roots };
    throw new McpkitError(
      'VALIDATION_FAILED',
      `The task asks for ${method}, which this client has no handler for.`,
      {
        hint: 'Pass the matching handler (`elicitation`, `sampling` or `roots`) to createClient.',
      },
    );
  };
}

function isIdempotent(annotations: ToolAnnotations | undefined): boolean {
  return annotations?.idempotentHint === true || annotations?.readOnlyHint === true;
}

/**
 * Connects to an MCP server and returns a client whose `tools` are typed by the server's own type:
 * `createClient<typeof server>('http://127.0.0.1:3000/mcp')`, or `createClient(server)` for a
 * server in the same process. The target may also be a command to spawn (`{ command, args }`).
 * Every call has a deadline, retries retryable failures of idempotent calls with backoff, and goes
 * through one circuit breaker per client.
 */
export function createClient<S extends LocalServer<ToolMap>>(
  target: S,
  options?: ClientOptions,
): Promise<McpClient<ServerTools<S>>>;
/** Connects to a URL or a spawned command; the type argument (`typeof server`) types `client.tools`. */
export function createClient<S = undefined>(
  target: ClientTarget,
  options?: ClientOptions,
): Promise<McpClient<ServerTools<S>>>;
export async function createClient(
  target: ClientTarget,
  options: ClientOptions = {},
): Promise<McpClient<ToolMap>> {
  const policy = createCallPolicy(options);
  const oauth = options.auth?.type === 'oauth' ? options.auth : undefined;
  let sdk = buildSdkClient(options);
  let transport = await openTransport(target, options);
  /** Redeems the user's authorization (RFC 9207 `iss` checked by the SDK) on the current transport. */
  const finishAuthorization = async (): Promise<boolean> => {
    if (!oauth?.authorizationCallback || !(transport instanceof StreamableHTTPClientTransport)) return false;
    await transport.finishAuth(callbackParams(await oauth.authorizationCallback()) as string);
    return true;
  };
  /** Runs `fn`; when the server wants the user to authorize (again, or with more scopes), waits for that and runs it once more. */
  const authorized = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      if (!(error instanceof UnauthorizedError) || !(await finishAuthorization())) throw error;
      return fn();
    }
  };
  /** A fresh client and transport: a handshake that failed leaves neither reusable. */
  const reopen = async () => {
    await sdk.close().catch(() => undefined);
    sdk = buildSdkClient(options);
    transport = await openTransport(target, options);
  };
  let attempts = 0;
  // The handshake is safe to repeat (nothing happened on the server yet), so a dropped connection
  // or a 5xx while connecting is retried like any read, on a fresh transport each time.
  await policy.run({
    idempotent: true,
    attempt: async (signal, timeout) => {
      if (attempts++ > 0) await reopen();
      try {
        await sdk.connect(transport, { ...(signal ? { signal } : {}), timeout });
      } catch (error) {
        if (!(error instanceof UnauthorizedError) || !(await finishAuthorization())) throw error;
        // The provider holds the tokens now: connect again on a fresh client and transport.
        await reopen();
        await sdk.connect(transport, { ...(signal ? { signal } : {}), timeout });
      }
    },
  });
  const era: Era = sdk.getProtocolEra() === 'modern' ? 'modern' : 'legacy';
  if (options.logLevel && era === 'legacy' && sdk.getServerCapabilities()?.logging) {
    await sdk.setLoggingLevel(options.logLevel);
  }
  const withMeta = <P extends Record<string, unknown>>(params: P, extra?: Record<string, unknown>): P => {
    const meta: Record<string, unknown> = { ...extra };
    if (options.logLevel && era === 'modern') meta[META.logLevel] = options.logLevel;
    return Object.keys(meta).length > 0 ? { ...params, _meta: meta } : params;
  };
  // The Tasks extension, when the server serves it: tool calls that become tasks are followed on
  // the transport, so everything above sees the task's final result as the call's answer.
  const servesTasks =
    options.tasks !== false &&
    TASKS_EXTENSION in
      ((sdk.getServerCapabilities() as { extensions?: Record<string, unknown> } | undefined)?.extensions ??
        {});
  const channel = servesTasks
    ? new TaskChannel(transport, {
        modern: era === 'modern',
        envelope: () => ({
          [META.protocolVersion]: sdk.getNegotiatedProtocolVersion(),
          [META.clientInfo]: { name: options.name ?? 'mcpkit-client', version: options.version ?? '1.0.0' },
          [META.clientCapabilities]: capabilitiesOf(options),
          ...(options.logLevel ? { [META.logLevel]: options.logLevel } : {}),
        }),
        answer: answererOf(options),
      })
    : undefined;
  const sdkOptions = (signal: AbortSignal | undefined, timeout: number): RequestOptions =>
    signal ? { signal, timeout } : { timeout };

  // Tool definitions, for the retry decision: read once, again when a name is missing.
  let definitions: Map<string, Tool> | undefined;
  const definitionOf = async (name: string): Promise<Tool | undefined> => {
    if (!definitions?.has(name)) {
      try {
        const { tools } = await sdk.listTools();
        definitions = new Map(tools.map((tool) => [tool.name, tool]));
      } catch {
        // Without a listing nothing is known to be idempotent; the call itself reports the fault.
        definitions ??= new Map();
      }
    }
    return definitions.get(name);
  };

  const callTool = async (
    name: string,
    args: Record<string, unknown> = {},
    call: ToolCallOptions = {},
  ): Promise<CallToolResult> => {
    const idempotent = call.idempotent ?? isIdempotent((await definitionOf(name))?.annotations);
    return policy.run({
      tool: name,
      idempotent,
      ...(call.signal ? { signal: call.signal } : {}),
      ...(call.timeoutMs !== undefined ? { timeoutMs: call.timeoutMs } : {}),
      attempt: async (signal, timeout) => {
        const key = channel?.mark({ task: call.task === true, signal, deadline: Date.now() + timeout });
        try {
          const meta = key === undefined ? call.meta : { ...call.meta, [CALL_MARK]: key };
          const result = (await authorized(() =>
            sdk.callTool(withMeta({ name, arguments: args }, meta), {
              ...sdkOptions(signal, timeout),
              ...(call.onProgress ? { onprogress: call.onProgress } : {}),
            }),
          )) as CallToolResult;
          // A coded failure is thrown inside the attempt, so a retryable one is retried.
          const failure = codedToolError(result, name);
          if (failure) throw failure;
          return result;
        } finally {
          if (key !== undefined) channel?.release(key);
        }
      },
    });
  };

  const read = <T>(
    attempt: (signal: AbortSignal | undefined, timeout: number) => Promise<T>,
    call: RequestCallOptions = {},
  ) =>
    policy.run({
      idempotent: true,
      attempt: (signal: AbortSignal | undefined, timeout: number) =>
        authorized(() => attempt(signal, timeout)),
      ...(call.signal ? { signal: call.signal } : {}),
      ...(call.timeoutMs !== undefined ? { timeoutMs: call.timeoutMs } : {}),
    });

  const pager =
    (kind: ListKind, call?: RequestCallOptions): ListPager =>
    (cursor) =>
      read<Awaited<ReturnType<ListPager>>>((signal, timeout) => {
        const params = withMeta(cursor === undefined ? {} : { cursor });
        const opts = { ...sdkOptions(signal, timeout), cacheMode: 'bypass' as const };
        switch (kind) {
          case 'tools':
            return sdk.listTools(params, opts);
          case 'resources':
            return sdk.listResources(params, opts);
          case 'resourceTemplates':
            return sdk.listResourceTemplates(params, opts);
          case 'prompts':
            return sdk.listPrompts(params, opts);
        }
      }, call);

  const listing = <T>(
    list: (
      params: Record<string, unknown> | undefined,
      opts: RequestOptions & { cacheMode: CacheMode },
    ) => Promise<T>,
    call: RequestCallOptions | undefined,
  ) =>
    read((signal, timeout) => {
      const params = withMeta({});
      return list(Object.keys(params).length > 0 ? params : undefined, {
        ...sdkOptions(signal, timeout),
        cacheMode: call?.cache ?? 'use',
      });
    }, call);

  const events = new ClientEvents(() => sdk, era);

  const tools = new Proxy(Object.create(null) as Record<string, unknown>, {
    get(_target, name) {
      // Not a thenable, and not a tool for symbol keys (inspection, iteration).
      if (typeof name !== 'string' || name === 'then') return undefined;
      return async (args?: Record<string, unknown>, call?: ToolCallOptions) => {
        const result = await callTool(name, args, call);
        const failure = toolResultError(result, name);
        if (failure) throw failure;
        return result.structuredContent !== undefined ? result.structuredContent : result;
      };
    },
  });

  return {
    tools: tools as ToolCallers<ToolMap>,
    era,
    get protocolVersion() {
      return sdk.getNegotiatedProtocolVersion();
    },
    get serverInfo() {
      return sdk.getServerVersion();
    },
    get serverCapabilities() {
      return sdk.getServerCapabilities();
    },
    get breakerState() {
      return policy.breakerState;
    },
    tasks: createClientTasks(channel, options.timeoutMs ?? 60_000),
    sdk,
    callTool,
    listTools: async (call) => (await listing((p, o) => sdk.listTools(p, o), call)).tools,
    listResources: async (call) => (await listing((p, o) => sdk.listResources(p, o), call)).resources,
    listResourceTemplates: async (call) =>
      (await listing((p, o) => sdk.listResourceTemplates(p, o), call)).resourceTemplates,
    listPrompts: async (call) => (await listing((p, o) => sdk.listPrompts(p, o), call)).prompts,
    onToolsChanged: (listener) => events.onListChanged('tools', listener),
    onResourcesChanged: (listener) => events.onListChanged('resources', listener),
    onPromptsChanged: (listener) => events.onListChanged('prompts', listener),
    onResourceUpdated: (uri, listener) => events.onResourceUpdated(uri, listener),
    listAllTools: (call) => listAll('tools', pager('tools', call)),
    listAllResources: (call) => listAll('resources', pager('resources', call)),
    listAllResourceTemplates: (call) => listAll('resourceTemplates', pager('resourceTemplates', call)),
    listAllPrompts: (call) => listAll('prompts', pager('prompts', call)),
    readResource: (uri, call) =>
      read(
        (signal, timeout) =>
          sdk.readResource(withMeta({ uri }), {
            ...sdkOptions(signal, timeout),
            cacheMode: call?.cache ?? 'use',
          }),
        call,
      ),
    getPrompt: (name, args, call) =>
      read(
        (signal, timeout) =>
          sdk.getPrompt(
            withMeta({ name, ...(args ? { arguments: args } : {}) }),
            sdkOptions(signal, timeout),
          ),
        call,
      ),
    complete: async (ref, argument, call) =>
      (
        await read(
          (signal, timeout) => sdk.complete(withMeta({ ref, argument }), sdkOptions(signal, timeout)),
          call,
        )
      ).completion,
    close: async () => {
      await events.close().catch(() => undefined);
      await sdk.close();
    },
  };
}
