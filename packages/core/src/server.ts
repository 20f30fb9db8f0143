import type { EngineDefinition } from './engine/server-definition.js';
import { ServerEngine } from './engine/server-engine.js';
import type { ToolMap } from './engine/tool-signature.js';
import {
  createFetchHandler,
  type FetchHandler,
  type FetchHandlerOptions,
} from './transports/http/fetch-handler.js';
import { type HttpServerHandle, type ServeOptions, serveHttp } from './transports/http/node-server.js';
import { type StdioHandle, type StdioOptions, serveStdio } from './transports/stdio.js';
import type { StdioHeaderSource } from './transports/stdio-headers.js';

export type { ChangeEvent, Outcome } from './engine/engine.js';
export type { LegacyState } from './protocol/legacy-state.js';

/** Everything the builder collected; frozen into a {@link McpkitServer} by `build()`. */
export interface ServerDefinition extends EngineDefinition {
  /** Sources of the headers stdio requests carry (see the builder's `stdioHeaders`). */
  stdioHeaders: StdioHeaderSource[];
}

/**
 * A built, immutable server: the engine (registry, composed chains, request handling) plus the
 * serving entry points that hand it to a transport. `Tools` carries the registered tools' types
 * (see `ToolsOf`).
 */
export class McpkitServer<Tools extends ToolMap = Record<never, never>> extends ServerEngine {
  /** Type-only: the tools the builder registered (read it with `ToolsOf`). Never set at run time. */
  declare readonly '~tools'?: Tools;

  /** Sources of the headers stdio requests carry, from the launch environment (see `stdioHeaders`). */
  readonly stdioHeaders: readonly StdioHeaderSource[];

  constructor(definition: ServerDefinition) {
    super(definition);
    this.stdioHeaders = Object.freeze([...definition.stdioHeaders]);
  }

  /** Serves Streamable HTTP on node:http (both eras). */
  serve(options?: ServeOptions): Promise<HttpServerHandle> {
    return serveHttp(this, options);
  }

  /** A web-standard `fetch(Request) → Response` handler serving both eras. */
  fetchHandler(options?: FetchHandlerOptions): FetchHandler {
    return createFetchHandler(this, options);
  }

  /** Serves over standard input/output (both eras). */
  stdio(options?: StdioOptions): StdioHandle {
    return serveStdio(this, this.stdioHeaders, options);
  }
}
