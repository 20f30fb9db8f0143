import type { EngineDefinition } from './engine/server-definition.js';
import { ServerEngine } from './engine/server-engine.js';
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
 * serving entry points that hand it to a transport.
 */
export class McpkitServer extends ServerEngine {
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
