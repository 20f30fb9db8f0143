import type { HttpServerHandle, McpkitServer, ServeOptions, ServerBuilder } from '@mcpkit/core';

/** A server listening on 127.0.0.1 for one test. */
export interface TestServer {
  /** The MCP endpoint, e.g. `http://127.0.0.1:49152/mcp`. */
  readonly url: string;
  /** Origin of the server, e.g. `http://127.0.0.1:49152`. */
  readonly origin: string;
  /** The built server. */
  readonly server: McpkitServer;
  /** The running HTTP server. */
  readonly handle: HttpServerHandle;
  /** Drains and stops it. */
  close(): Promise<void>;
}

/**
 * Serves over HTTP on 127.0.0.1 with a port the OS picks; signal handlers are not installed. Unless
 * the options say otherwise, `close()` drains for at most 1 s and does not linger for idle
 * kept-alive connections (`shutdownLingerMs: 0`), so a test's clean-up stays quick.
 */
export async function serveForTest(
  target: McpkitServer | ServerBuilder,
  options: ServeOptions = {},
): Promise<TestServer> {
  const server = 'build' in target ? target.build() : target;
  const handle = await server.serve({
    shutdownGraceMs: 1_000,
    shutdownLingerMs: 0,
    ...options,
    port: 0,
    host: '127.0.0.1',
    handleSignals: false,
  });
  return { url: handle.url, origin: new URL(handle.url).origin, server, handle, close: () => handle.close() };
}
