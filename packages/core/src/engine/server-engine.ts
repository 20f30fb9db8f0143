import { randomBytes } from 'node:crypto';
import type { Implementation, ServerCapabilities } from '@modelcontextprotocol/server';
import { createLogger, type Logger, redactingLogger } from '../observability/logger.js';
import { createTelemetry, type Telemetry, type TelemetryEvents } from '../observability/telemetry.js';
import { readInputResponses } from '../protocol/input-responses.js';
import { type RpcRequest, rpcErrorFrom } from '../protocol/jsonrpc.js';
import type { LegacyState } from '../protocol/legacy-state.js';
import { MODERN_ONLY, MULTI_ROUND, REMOVED_IN_MODERN, targetName } from '../protocol/methods.js';
import { identityMeta, modernResult } from '../protocol/modern-result.js';
import { RequestStateCodec, stateBinding } from '../protocol/request-state.js';
import { ProtocolError, RpcCode } from '../protocol/rpc-error.js';
import { declaresTasks, missingTasksCapability, TASK_METHODS } from '../protocol/tasks.js';
import { isLoggingLevel, LEGACY_VERSIONS, SUPPORTED_VERSIONS } from '../protocol/versions.js';
import { deriveCapabilities, servesTasks } from './capabilities.js';
import type { AuthIdentity, McpMethod } from './context.js';
import { Dispatcher } from './dispatch.js';
import type { EdgeGuard, RouteHandler } from './edge.js';
import type { ChangeEvent, Engine, Outcome } from './engine.js';
import { isMcpkitError, protocolErrorFrom, toMcpkitError } from './errors.js';
import type { CallEnv } from './exchange.js';
import { type HealthReport, runHealthChecks } from './health.js';
import { Inflight } from './inflight.js';
import { isInputRequired } from './input-required.js';
import { listPaging } from './list-paging.js';
import { ParamLimitCheck } from './param-limits.js';
import { freezeRegistry, type Registry } from './registry.js';
import { type InputRound, RequestContext } from './request-context.js';
import type { EngineDefinition, ServerOptions } from './server-definition.js';
import { SharedResults } from './shared-results.js';
import { Tasks, type ToolTaskOptions } from './tasks/tasks.js';

/**
 * The engine of a built server: the frozen registry, the composed chains, request handling,
 * change and shutdown fan-out. Transports reach it only through {@link Engine}.
 */
export class ServerEngine implements Engine {
  readonly info: Implementation;
  readonly instructions: string | undefined;
  readonly logger: Logger;
  readonly telemetry: Telemetry;
  readonly capabilities: ServerCapabilities;
  readonly registry: Registry;
  /** Edge guards run by the HTTP endpoints, in registration order. */
  readonly guards: readonly EdgeGuard[];
  /** Extra HTTP routes by path. */
  readonly routes: ReadonlyMap<string, RouteHandler>;
  readonly #dispatcher: Dispatcher;
  /** The Tasks extension, when a tool may run as a task. */
  readonly #tasks: Tasks | undefined;
  readonly #codec: RequestStateCodec;
  readonly #definition: EngineDefinition;
  readonly #inflight = new Inflight();
  readonly #changeListeners = new Set<(event: ChangeEvent) => void>();
  readonly #listTtlMs: number;
  readonly #limits: ParamLimitCheck;
  readonly #identity: Readonly<Record<string, unknown>>;
  /** List results serialized once per list version. */
  readonly #shared = new SharedResults();
  /** Correlation ids: a random prefix per server and a counter (unique, cheap, not secret). */
  readonly #idPrefix = `${randomBytes(6).toString('base64url')}-`;
  #idCounter = 0;

  constructor(definition: EngineDefinition) {
    const o: ServerOptions = definition.options;
    this.#definition = definition;
    this.info = { name: o.name, version: o.version };
    if (o.title) this.info.title = o.title;
    if (o.websiteUrl) (this.info as Record<string, unknown>).websiteUrl = o.websiteUrl;
    if (o.icons) (this.info as Record<string, unknown>).icons = o.icons;
    this.instructions = o.instructions;
    this.#identity = identityMeta(this.info);
    this.logger = redactingLogger(o.logger ?? createLogger());
    this.telemetry =
      o.telemetry ??
      createTelemetry((error, name) =>
        this.logger.warn({ err: error, event: name }, 'telemetry listener threw'),
      );
    this.guards = Object.freeze([...definition.guards]);
    this.routes = new Map(definition.routes);
    this.registry = freezeRegistry(definition.tools, definition.resources, definition.prompts);
    this.#tasks = servesTasks(this.registry)
      ? new Tasks(o.tasks ?? {}, this.#inflight, this.logger, this.telemetry)
      : undefined;
    // Paging of the list methods, when asked for, is the innermost list layer (see list-paging.ts).
    const middleware =
      o.listPageSize === undefined
        ? definition.middleware
        : [...definition.middleware, listPaging(o.listPageSize)];
    this.#dispatcher = new Dispatcher(this.registry, middleware, this.#tasks, this.#shared);
    this.#codec = new RequestStateCodec(o.requestStateSecret);
    this.#listTtlMs = o.listTtlMs ?? 0;
    this.#limits = new ParamLimitCheck(o.requestLimits);
    this.capabilities = deriveCapabilities(this.registry, o.capabilities);
  }

  /** Whether the server is draining for shutdown (new requests are refused on every transport). */
  get closing(): boolean {
    return this.#inflight.closing;
  }

  /** The `initialize` result for a legacy client asking for `requested`. */
  initializeResult(requested: unknown): Record<string, unknown> {
    const version =
      typeof requested === 'string' && LEGACY_VERSIONS.includes(requested)
        ? requested
        : (LEGACY_VERSIONS[0] as string);
    const result: Record<string, unknown> = {
      protocolVersion: version,
      capabilities: this.capabilities,
      serverInfo: this.info,
    };
    if (this.instructions) result.instructions = this.instructions;
    return result;
  }

  /** The `server/discover` result. */
  discoverResult(): Record<string, unknown> {
    const result: Record<string, unknown> = {
      supportedVersions: [...SUPPORTED_VERSIONS],
      capabilities: this.capabilities,
    };
    if (this.instructions) result.instructions = this.instructions;
    return result;
  }

  /**
   * Handles one request under the given call environment. Never throws: every failure becomes a
   * JSON-RPC error (protocol failures) or an `isError` result (tool failures).
   */
  async handleRequest(request: RpcRequest, env: CallEnv, legacy?: LegacyState): Promise<Outcome> {
    const { id, method } = request;
    const params = request.params ?? {};
    const emitStart = this.telemetry.has('request.start');
    const name = targetName(method, params);
    const emitEnd = this.telemetry.has('request.end');
    const started = emitEnd ? performance.now() : 0;
    if (emitStart) {
      // Built by assignment rather than spreads: no throwaway objects, one shape per event.
      const event: TelemetryEvents['request.start'] = { requestId: env.requestId, method, era: env.era };
      if (name) event.name = name;
      this.telemetry.emit('request.start', event);
    }
    let outcome: Outcome;
    let errorCode: string | undefined;
    try {
      const result = await this.#route(request, params, env, legacy, name);
      if (method === 'tools/call' && (result as { isError?: boolean }).isError) {
        errorCode =
          (result as { structuredContent?: { error?: { code?: string } } }).structuredContent?.error?.code ??
          'TOOL_ERROR';
      }
      outcome = { response: { jsonrpc: '2.0', id, result }, status: 200 };
      const bytes = this.#shared.bytesOf(result);
      if (bytes !== undefined) outcome.resultBytes = bytes;
    } catch (error) {
      const protocol = this.#asProtocolError(error, env);
      errorCode = String(protocol.rpcCode);
      // The legacy era's HTTP status speaks of the transport only (404 there means "session
      // gone", and the official client reads no JSON-RPC error out of a 4xx): its request errors
      // go out with 200. The modern era maps some of them to statuses of their own.
      const status = env.era === 'legacy' ? 200 : (protocol.httpStatus ?? 200);
      outcome = { response: rpcErrorFrom(id, protocol), status };
    }
    if (emitEnd) {
      const event: TelemetryEvents['request.end'] = {
        requestId: env.requestId,
        method,
        era: env.era,
        durationMs: performance.now() - started,
        outcome: errorCode === undefined ? 'ok' : 'error',
      };
      if (name) event.name = name;
      if (errorCode) event.errorCode = errorCode;
      this.telemetry.emit('request.end', event);
    }
    return outcome;
  }

  #asProtocolError(error: unknown, env: CallEnv): ProtocolError {
    if (error instanceof ProtocolError) return error;
    if (isMcpkitError(error)) return protocolErrorFrom(error, env.requestId);
    this.logger.error({ err: error, requestId: env.requestId }, 'request failed');
    return protocolErrorFrom(toMcpkitError(error), env.requestId);
  }

  async #route(
    request: RpcRequest,
    params: Record<string, unknown>,
    env: CallEnv,
    legacy: LegacyState | undefined,
    name: string | undefined,
  ): Promise<Record<string, unknown>> {
    const { method } = request;
    if (env.era === 'modern' && REMOVED_IN_MODERN.has(method)) {
      throw new ProtocolError(
        RpcCode.METHOD_NOT_FOUND,
        `Method not found: ${method} is not part of protocol ${env.protocolVersion}.`,
        undefined,
        404,
      );
    }
    if (env.era === 'legacy' && MODERN_ONLY.has(method)) {
      throw new ProtocolError(RpcCode.METHOD_NOT_FOUND, `Method not found: ${method}`, undefined, 404);
    }
    this.#limits.check(method, params);
    if (this.#tasks !== undefined && TASK_METHODS.has(method) && !declaresTasks(env.client.capabilities)) {
      throw missingTasksCapability(method);
    }
    switch (method) {
      case 'initialize':
        return this.initializeResult(params.protocolVersion);
      case 'server/discover':
        return modernResult(method, this.discoverResult(), this.#identity, this.#listTtlMs);
      case 'logging/setLevel': {
        if (!isLoggingLevel(params.level)) {
          throw new ProtocolError(RpcCode.INVALID_PARAMS, `Invalid log level: ${String(params.level)}`);
        }
        if (legacy) legacy.logLevel = params.level;
        return {};
      }
      case 'resources/subscribe':
      case 'resources/unsubscribe': {
        if (typeof params.uri !== 'string')
          throw new ProtocolError(RpcCode.INVALID_PARAMS, `${method} needs a "uri".`);
        if (legacy) {
          if (method === 'resources/subscribe') {
            this.#limits.checkSubscription(legacy.subscriptions, params.uri);
            legacy.subscriptions.add(params.uri);
          } else legacy.subscriptions.delete(params.uri);
        }
        return {};
      }
    }
    const chain = method === 'tools/call' ? undefined : this.#dispatcher.chainFor(method);
    if (method !== 'tools/call' && chain === undefined) {
      throw new ProtocolError(
        RpcCode.METHOD_NOT_FOUND,
        `Method not found: ${method}`,
        undefined,
        env.era === 'modern' ? 404 : 200,
      );
    }
    const input =
      env.era === 'modern' && MULTI_ROUND.has(method) ? this.#openRound(params, method, name) : undefined;
    const ctx = new RequestContext(
      env,
      request.id,
      method as McpMethod,
      name,
      params,
      this.logger,
      this.telemetry,
      input,
    );
    try {
      let result: Record<string, unknown>;
      if (method === 'tools/call') {
        const tool = this.#dispatcher.tool(params.name);
        ctx.tool = tool.listing;
        const args = params.arguments;
        if (args !== undefined && (typeof args !== 'object' || args === null || Array.isArray(args))) {
          throw new ProtocolError(RpcCode.INVALID_PARAMS, 'tools/call "arguments" must be an object.');
        }
        ctx.arguments = (args ?? {}) as Record<string, unknown>;
        const support = this.#tasks === undefined ? undefined : tool.options.taskSupport;
        if (support === 'optional' || support === 'required') {
          const declared = declaresTasks(env.client.capabilities);
          if (!declared && support === 'required') throw missingTasksCapability(`Tool "${tool.name}"`);
          if (declared) return await this.#callAsTask(ctx, env, tool.name, tool.options.task);
        }
        result = (await this.#dispatcher.callTool(ctx)) as unknown as Record<string, unknown>;
      } else {
        if (method === 'resources/read') {
          if (typeof params.uri !== 'string')
            throw new ProtocolError(RpcCode.INVALID_PARAMS, 'resources/read needs a "uri".');
          ctx.uri = params.uri;
        }
        if (method === 'prompts/get') {
          ctx.arguments = (params.arguments ?? {}) as Record<string, unknown>;
        }
        result = (await chain!(ctx)) as Record<string, unknown>;
        if (this.#shared.has(result)) {
          return this.#shared.forEra(result, env.era, (r) =>
            modernResult(method, r, this.#identity, this.#listTtlMs),
          );
        }
      }
      return env.era === 'modern' ? modernResult(method, result, this.#identity, this.#listTtlMs) : result;
    } catch (error) {
      if (isInputRequired(error) && env.era === 'modern' && MULTI_ROUND.has(method)) {
        const binding = stateBinding(method, name, params.arguments);
        const requestState = this.#codec.encode(error.answers, (input?.round ?? 0) + 1, binding);
        return modernResult(
          method,
          { inputRequests: error.requests, requestState },
          this.#identity,
          this.#listTtlMs,
          'input_required',
        );
      }
      throw error;
    }
  }

  /** A task-eligible call: the task it became (`resultType: "task"`), or its result if it never detached. */
  async #callAsTask(
    ctx: RequestContext,
    env: CallEnv,
    tool: string,
    options: ToolTaskOptions | undefined,
  ): Promise<Record<string, unknown>> {
    const modern = env.era === 'modern';
    const shape = (result: Record<string, unknown>) =>
      modern ? modernResult('tools/call', result, this.#identity, this.#listTtlMs) : result;
    const outcome = await (this.#tasks as Tasks).run(
      ctx,
      env,
      tool,
      options,
      () => this.#dispatcher.callTool(ctx) as unknown as Promise<Record<string, unknown>>,
      shape,
    );
    if ('result' in outcome) return shape(outcome.result);
    return modern
      ? modernResult('tools/call', outcome.task, this.#identity, this.#listTtlMs, 'task')
      : Object.assign({ resultType: 'task' }, outcome.task);
  }

  /** Opens the input round of a multi-round request: verifies `requestState` before anything runs. */
  #openRound(
    params: Record<string, unknown>,
    method: string,
    name: string | undefined,
  ): InputRound | undefined {
    const responses = readInputResponses(params.inputResponses);
    if (params.requestState === undefined) {
      // Most calls carry neither: the context makes an empty round only if the handler asks for input.
      return responses === undefined ? undefined : { answers: {}, responses, next: 0, round: 0 };
    }
    const opened = this.#codec.decode(params.requestState, stateBinding(method, name, params.arguments));
    return { answers: opened.answers, responses, next: 0, round: opened.round };
  }

  /**
   * Runs the tasks registered with `onDrained` (all at once), each bounded by `graceMs`; a task
   * that throws or overruns is logged. Transports call it after draining, before they close.
   */
  async runDrainedTasks(graceMs: number): Promise<void> {
    const tasks = this.#definition.drained;
    if (tasks.length === 0) return;
    await Promise.all(
      tasks.map(async ({ name, task }) => {
        let timer: NodeJS.Timeout | undefined;
        const overrun = new Promise<'overrun'>((resolve) => {
          timer = setTimeout(() => resolve('overrun'), graceMs);
        });
        try {
          const outcome = await Promise.race([Promise.resolve().then(task), overrun]);
          if (outcome === 'overrun')
            this.logger.warn({ task: name, graceMs }, 'shutdown task overran the grace period');
        } catch (error) {
          this.logger.error({ err: error, task: name }, 'shutdown task failed');
        } finally {
          clearTimeout(timer);
        }
      }),
    );
  }

  /** Runs the registered readiness checks. */
  checkHealth(): Promise<HealthReport> {
    return runHealthChecks(this.#definition.health, this.info.version);
  }

  /** Subscribes to change events (list changes, resource updates); returns an unsubscribe function. */
  onChange(listener: (event: ChangeEvent) => void): () => void {
    this.#changeListeners.add(listener);
    return () => this.#changeListeners.delete(listener);
  }

  watchTasks(
    taskIds: ReadonlySet<string>,
    auth: AuthIdentity | undefined,
    listener: (task: Record<string, unknown>) => void,
  ): () => void {
    return this.#tasks === undefined ? () => {} : this.#tasks.watchStatus(taskIds, auth, listener);
  }

  #announce(event: ChangeEvent): void {
    for (const listener of this.#changeListeners) {
      try {
        listener(event);
      } catch (error) {
        this.logger.warn({ err: error }, 'change listener threw');
      }
    }
  }

  /** Runs `listener` once when a server-wide shutdown starts; returns an unsubscribe function. */
  onShutdown(listener: () => void): () => void {
    return this.#inflight.onClose(listener);
  }

  /** A tracker for one transport: it counts into the server's and closes with it (or on its own). */
  openInflight(): Inflight {
    return new Inflight(this.#inflight);
  }

  /** Tells connected clients that the tool list changed. */
  notifyToolsChanged(): void {
    this.#announce({ kind: 'tools' });
  }
  /** Tells connected clients that the prompt list changed. */
  notifyPromptsChanged(): void {
    this.#announce({ kind: 'prompts' });
  }
  /** Tells connected clients that the resource list changed. */
  notifyResourcesChanged(): void {
    this.#announce({ kind: 'resources' });
  }
  /** Tells clients subscribed to `uri` that it changed. */
  notifyResourceUpdated(uri: string): void {
    this.#announce({ kind: 'resource', uri });
  }

  /** Number of requests in flight on every transport of this server. */
  get inflight(): number {
    return this.#inflight.size;
  }

  /**
   * Server-wide shutdown: every transport stops taking requests, in-flight ones get up to
   * `graceMs`, then their signals abort. Transports call their own drain on `close()`.
   */
  async drain(graceMs: number): Promise<void> {
    await this.#inflight.drain(graceMs);
    // A task whose handler ignored its aborted signal is failed, not left working forever.
    await this.#tasks?.failRunning();
  }

  /** A new correlation id. */
  newRequestId(): string {
    return `${this.#idPrefix}${(this.#idCounter++).toString(36)}`;
  }
}
