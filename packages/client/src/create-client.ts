import { type Era, META, TASKS_EXTENSION, type ToolMap } from '@mcpkit/core';
import {
  type CacheMode,
  type CallToolResult,
  type RequestOptions,
  StreamableHTTPClientTransport,
  type Tool,
  UnauthorizedError,
} from '@modelcontextprotocol/client';
import { CALL_MARK } from './call-mark.js';
import { createCallPolicy } from './call-policy.js';
import { callbackParams } from './client-auth.js';
import { ClientEvents } from './client-events.js';
import type { ClientOptions } from './client-options.js';
import { type ClientTarget, type LocalServer, openTransport } from './client-target.js';
import { createClientTasks } from './client-tasks.js';
import { type ListKind, type ListPager, listAll } from './list-all.js';
import type { McpClient, RequestCallOptions } from './mcp-client.js';
import { codedToolError, toolResultError } from './remote-error.js';
import { answererOf, buildSdkClient, capabilitiesOf, isIdempotent } from './sdk-client.js';
import { TaskChannel } from './task-channel.js';
import type { ServerTools, ToolCallers, ToolCallOptions } from './typed-tools.js';

export type { McpClient, RequestCallOptions } from './mcp-client.js';

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
  // Without a user to authorize, there is nothing to wait for: the request goes as it is.
  const authorized = oauth?.authorizationCallback
    ? async <T>(fn: () => Promise<T>): Promise<T> => {
        try {
          return await fn();
        } catch (error) {
          if (!(error instanceof UnauthorizedError) || !(await finishAuthorization())) throw error;
          return fn();
        }
      }
    : <T>(fn: () => Promise<T>): Promise<T> => fn();
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
        authorized,
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

  /** Runs a tool call's attempts under the policy: retried only when the tool is idempotent. */
  const runTool = async <T>(
    name: string,
    call: { signal?: AbortSignal; timeoutMs?: number; idempotent?: boolean } | undefined,
    attempt: (signal: AbortSignal | undefined, timeout: number) => Promise<T>,
  ): Promise<T> => {
    // The definition is known after the first call: no await for it then.
    const idempotent =
      call?.idempotent ?? isIdempotent((definitions?.get(name) ?? (await definitionOf(name)))?.annotations);
    return policy.run({
      tool: name,
      idempotent,
      ...(call?.signal ? { signal: call.signal } : {}),
      ...(call?.timeoutMs !== undefined ? { timeoutMs: call.timeoutMs } : {}),
      attempt,
    });
  };

  const callTool = async (
    name: string,
    args: Record<string, unknown> = {},
    call: ToolCallOptions = {},
  ): Promise<CallToolResult> =>
    runTool(name, call, async (signal, timeout) => {
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
    });

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

  const callers = new Map<
    string,
    (args?: Record<string, unknown>, call?: ToolCallOptions) => Promise<unknown>
  >();
  const tools = new Proxy(Object.create(null) as Record<string, unknown>, {
    get(_target, name) {
      // Not a thenable, and not a tool for symbol keys (inspection, iteration).
      if (typeof name !== 'string' || name === 'then') return undefined;
      let caller = callers.get(name);
      if (!caller) {
        caller = async (args, call) => {
          const result = await callTool(name, args, call);
          const failure = toolResultError(result, name);
          if (failure) throw failure;
          return result.structuredContent !== undefined ? result.structuredContent : result;
        };
        // One function per tool name, made on first use (names are the server's, so bounded by it).
        if (callers.size < 10_000) callers.set(name, caller);
      }
      return caller;
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
    tasks: createClientTasks({
      channel,
      ...(channel ? {} : { unavailable: options.tasks === false ? 'disabled' : 'unadvertised' }),
      defaultTimeoutMs: options.timeoutMs ?? 60_000,
      run: runTool,
    }),
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
      // Followed tasks are cancelled and waiting requests rejected before the transport goes.
      await channel?.close();
      await sdk.close();
    },
  };
}
