import type { McpMethod } from './engine/context.js';
import type {
  HealthCheck,
  IsTemplate,
  PromptOptions,
  ResourceOptions,
  ResourceTemplateOptions,
  TemplateVariables,
  ToolOptions,
} from './engine/definitions.js';
import type { EdgeGuard, RouteHandler } from './engine/edge.js';
import { McpkitError } from './engine/errors.js';
import type { Middleware } from './engine/middleware.js';
import type { AnySchema, StandardSchemaV1 } from './engine/schema.js';
import type { PromptSpec, ServerOptions, ToolSpec } from './engine/server-definition.js';
import type { ToolMap, ToolSignatureOf } from './engine/tool-signature.js';
import { createLogger, type Logger, redactingLogger } from './observability/logger.js';
import { createTelemetry, type Telemetry } from './observability/telemetry.js';
import { McpkitServer, type ServerDefinition } from './server.js';
import type { FetchHandler, FetchHandlerOptions } from './transports/http/fetch-handler.js';
import type { HttpServerHandle, ServeOptions } from './transports/http/node-server.js';
import type { StdioHandle, StdioOptions } from './transports/stdio.js';
import type { StdioHeaderSource } from './transports/stdio-headers.js';

/**
 * A reusable bundle of registrations — middleware, edge guards, routes, health checks, telemetry
 * listeners — installed with `.use(plugin)`. `install` runs once, at that call.
 */
export interface Plugin {
  /** Name for logs and error messages. */
  readonly name: string;
  /** Registers what the plugin brings on the builder. */
  install(builder: ServerBuilder): void;
}

/** True when `value` has a plugin's shape (a `name` and an `install` function). */
export function isPlugin(value: unknown): value is Plugin {
  return typeof value === 'object' && value !== null && typeof (value as Plugin).install === 'function';
}

const NAME_PATTERN = /^[A-Za-z0-9_.-]{1,128}$/;

// The types require a description; JavaScript callers and casts get the same rule at run time,
// because a tool the model cannot read a description of is a tool it picks by guesswork.
function assertDescribed(kind: 'Tool' | 'Prompt', name: string, description: unknown): void {
  if (typeof description === 'string' && description.trim() !== '') return;
  throw new McpkitError('VALIDATION_FAILED', `${kind} "${name}" has no description.`, {
    retryable: false,
    hint: `Add description: '…' to ${kind.toLowerCase()} "${name}": clients show it to the model, which chooses by it.`,
    details: { [kind.toLowerCase()]: name },
  });
}

/** No tools yet: the {@link ToolMap} a fresh builder starts from. */
export type NoTools = Record<never, never>;

/**
 * The fluent builder returned by {@link createServer}. `Tools` records each registered tool's
 * argument and output types (see {@link ToolsOf}); it exists only in the types.
 */
export class ServerBuilder<Tools extends ToolMap = NoTools> {
  /** Type-only: the tools registered so far. Never set at run time; read it with {@link ToolsOf}. */
  declare readonly '~tools'?: Tools;
  readonly #def: ServerDefinition;
  /** Names taken so far, per kind: a duplicate check in constant time keeps registering linear. */
  readonly #taken = { tools: new Set<string>(), resources: new Set<string>(), prompts: new Set<string>() };
  #built: McpkitServer | undefined;

  constructor(options: ServerOptions) {
    // Logger and telemetry exist from the start so plugins can subscribe while installing.
    const logger = redactingLogger(options.logger ?? createLogger());
    const telemetry =
      options.telemetry ??
      createTelemetry((error, name) => logger.warn({ err: error, event: name }, 'telemetry listener threw'));
    this.#def = {
      options: { ...options, logger, telemetry },
      tools: [],
      resources: [],
      prompts: [],
      middleware: [],
      health: [],
      drained: [],
      guards: [],
      routes: new Map(),
      stdioHeaders: [],
    };
  }

  /** The server's telemetry channel: plugins subscribe to it, packages emit into it. */
  get telemetry(): Telemetry {
    return this.#def.options.telemetry as Telemetry;
  }

  /** The server's logger. */
  get logger(): Logger {
    return this.#def.options.logger as Logger;
  }

  /** The options the server was created with. */
  get options(): Readonly<ServerOptions> {
    return this.#def.options;
  }

  #assertOpen(): void {
    if (this.#built) {
      throw new McpkitError('CONFLICT', 'The server is already built; register everything before serving.', {
        hint: 'Call .tool(), .resource(), .prompt() and .use() before .build(), .serve(), .fetchHandler() or .stdio().',
      });
    }
  }

  /**
   * Registers a tool. Input and output types are inferred from the schemas, and recorded in the
   * builder's type under the tool's name (what `createClient<typeof server>()` reads).
   */
  tool<
    Name extends string,
    In extends AnySchema | undefined = undefined,
    Out extends AnySchema | undefined = undefined,
  >(
    name: Name,
    options: ToolOptions<In, Out>,
  ): ServerBuilder<Tools & { readonly [K in Name]: ToolSignatureOf<In, Out> }> {
    this.#assertOpen();
    if (!NAME_PATTERN.test(name)) {
      throw new McpkitError('VALIDATION_FAILED', `Invalid tool name "${name}".`, {
        hint: 'Use 1-128 characters from A-Z, a-z, 0-9, _, - and .',
      });
    }
    if (this.#taken.tools.has(name)) {
      throw new McpkitError('CONFLICT', `Tool "${name}" is registered twice.`, {
        hint: 'Give each tool a unique name.',
      });
    }
    assertDescribed('Tool', name, options.description);
    this.#taken.tools.add(name);
    this.#def.tools.push({ name, options: options as unknown as ToolSpec['options'] });
    // The same object: only its type learns the new tool.
    return this as ServerBuilder<Tools & { readonly [K in Name]: ToolSignatureOf<In, Out> }>;
  }

  /**
   * Registers a resource at a fixed URI, or a URI template when the URI contains `{variables}`
   * (the reader then receives the variables, typed by name).
   */
  resource<U extends string>(
    uri: U,
    options: IsTemplate<U> extends true ? ResourceTemplateOptions<TemplateVariables<U>> : ResourceOptions,
  ): this {
    this.#assertOpen();
    if (this.#taken.resources.has(uri)) {
      throw new McpkitError('CONFLICT', `Resource "${uri}" is registered twice.`);
    }
    this.#taken.resources.add(uri);
    if (uri.includes('{')) {
      this.#def.resources.push({
        kind: 'template',
        uriTemplate: uri,
        options: options as unknown as ResourceTemplateOptions,
      });
    } else {
      this.#def.resources.push({ kind: 'static', uri, options: options as ResourceOptions });
    }
    return this;
  }

  /** Registers a prompt; its arguments are described by a zod object of strings. */
  prompt<Args extends StandardSchemaV1 | undefined = undefined>(
    name: string,
    options: PromptOptions<Args>,
  ): this {
    this.#assertOpen();
    if (this.#taken.prompts.has(name)) {
      throw new McpkitError('CONFLICT', `Prompt "${name}" is registered twice.`);
    }
    assertDescribed('Prompt', name, options.description);
    this.#taken.prompts.add(name);
    this.#def.prompts.push({ name, options: options as unknown as PromptSpec['options'] });
    return this;
  }

  /** Adds middleware for every request, or installs plugins, in the order given. */
  use(...middleware: Array<Middleware | Plugin>): this;
  /** Adds middleware for one method or a list of methods, typed by method. */
  use<M extends McpMethod>(methods: M | readonly M[], ...middleware: Middleware<M>[]): this;
  use(
    first: Middleware | Plugin | McpMethod | readonly McpMethod[],
    ...rest: Array<Middleware | Plugin>
  ): this {
    this.#assertOpen();
    if (typeof first === 'function' || isPlugin(first)) {
      for (const item of [first, ...rest]) {
        if (isPlugin(item)) item.install(this);
        else this.#def.middleware.push({ methods: undefined, fn: item });
      }
      return this;
    }
    const methods = new Set<McpMethod>(typeof first === 'string' ? [first] : first);
    for (const fn of rest) {
      if (isPlugin(fn)) {
        throw new McpkitError('VALIDATION_FAILED', `Plugin "${fn.name}" cannot be scoped to methods.`, {
          hint: 'Install plugins with .use(plugin); scope the middleware inside them instead.',
        });
      }
      this.#def.middleware.push({ methods, fn: fn as Middleware });
    }
    return this;
  }

  /**
   * Adds edge guards: they run at the HTTP edge for every request to the MCP endpoint, before
   * dispatch, and may refuse the whole HTTP request (401, 403, 429 …) or attach the caller's
   * identity. They do not run on stdio or in process; middleware does.
   */
  guard(...guards: EdgeGuard[]): this {
    this.#assertOpen();
    this.#def.guards.push(...guards);
    return this;
  }

  /**
   * Serves an extra HTTP path beside the MCP endpoint (any method; the handler decides), for
   * metadata documents, `/metrics` or webhooks. Host/Origin checks apply; guards do not.
   */
  route(path: string, handler: RouteHandler): this {
    this.#assertOpen();
    if (!path.startsWith('/')) {
      throw new McpkitError('VALIDATION_FAILED', `Route path "${path}" must start with "/".`);
    }
    if (this.#def.routes.has(path)) {
      throw new McpkitError('CONFLICT', `Route "${path}" is registered twice.`);
    }
    this.#def.routes.set(path, handler);
    return this;
  }

  /**
   * Derives headers from the launch environment that every stdio request carries in `ctx.headers`
   * (stdio has no request headers of its own): how an auth plugin's middleware finds, on stdio,
   * the credential an HTTP client would send. Read once, when `.stdio()` starts.
   */
  stdioHeaders(source: StdioHeaderSource): this {
    this.#assertOpen();
    this.#def.stdioHeaders.push(source);
    return this;
  }

  /** Registers a readiness check (run by `/readyz`). */
  health(name: string, check: HealthCheck): this {
    this.#assertOpen();
    this.#def.health.push({ name, check });
    return this;
  }

  /**
   * Registers work that must finish before the server stops, once its in-flight requests are
   * drained: a plugin that buffers records (an audit trail) flushes them here, so a graceful
   * shutdown (`handle.close()`, SIGTERM) loses none. Every transport's `close()` awaits these
   * tasks after draining and before it resolves (and before the process exits on a signal), as a
   * fetch handler's `drain(ms)` does, each bounded by the shutdown grace period; a task that
   * throws is logged.
   */
  onDrained(name: string, task: () => unknown): this {
    this.#assertOpen();
    this.#def.drained.push({ name, task });
    return this;
  }

  /** Freezes the registry: converts schemas and composes middleware chains once. */
  build(): McpkitServer<Tools> {
    this.#built ??= new McpkitServer(this.#def);
    return this.#built as McpkitServer<Tools>;
  }

  /** Builds and serves Streamable HTTP on node:http. */
  serve(options?: ServeOptions): Promise<HttpServerHandle> {
    return this.build().serve(options);
  }

  /** Builds and returns a web-standard `fetch(Request) → Response` handler. */
  fetchHandler(options?: FetchHandlerOptions): FetchHandler {
    return this.build().fetchHandler(options);
  }

  /** Builds and serves over standard input/output. */
  stdio(options?: StdioOptions): StdioHandle {
    return this.build().stdio(options);
  }
}

/**
 * The {@link ToolMap} of a server, from its builder's or built server's type:
 * `ToolsOf<typeof server>['get_invoice']['args']`.
 */
export type ToolsOf<S> = S extends ServerBuilder<infer T> ? T : S extends McpkitServer<infer T> ? T : never;

/** Starts a server definition: chain `.tool()`, `.resource()`, `.prompt()`, `.use()`, then serve. */
export function createServer(options: ServerOptions): ServerBuilder {
  return new ServerBuilder(options);
}
