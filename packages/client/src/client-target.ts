import { McpkitError, type McpkitServer, type ServerBuilder, type ToolMap } from '@mcpkit/core';
import { InProcessTransport } from '@mcpkit/core/internal';
import { type FetchLike, StreamableHTTPClientTransport, type Transport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { type ClientAuth, httpAuth, staticAuthHeader } from './client-auth.js';

/** A server to spawn and speak to over its standard input/output. */
export interface StdioTarget {
  /** The executable, e.g. `node`. */
  command: string;
  /** Its arguments. */
  args?: string[];
  /** Its environment. Default: the official SDK's safe subset of this process's environment. */
  env?: Record<string, string>;
  /** Its working directory. Default: this process's. */
  cwd?: string;
  /** Where its standard error goes. Default: `inherit`. */
  stderr?: 'inherit' | 'ignore' | 'pipe';
}

/** A transport you opened yourself (any official-SDK `Transport`): the client connects over it as is. */
export interface TransportTarget {
  transport: Transport;
}

/** An mcpkit server in the same process: its builder or the built server. */
export type LocalServer<Tools extends ToolMap = ToolMap> = McpkitServer<Tools> | ServerBuilder<Tools>;

/**
 * What `createClient` connects to: a Streamable HTTP endpoint (`string` or `URL`), a command to
 * spawn (stdio), an mcpkit server in the same process (no sockets), or `{ transport }`.
 */
export type ClientTarget = string | URL | StdioTarget | TransportTarget | LocalServer;

/** What the transport needs besides the target. */
export interface TransportOptions {
  auth?: ClientAuth | undefined;
  headers?: Record<string, string> | undefined;
  fetch?: FetchLike | undefined;
}

function isLocalServer(target: ClientTarget): target is LocalServer {
  return (
    typeof target === 'object' &&
    !(target instanceof URL) &&
    !('command' in target) &&
    !isTransportTarget(target)
  );
}

function isTransportTarget(target: ClientTarget): target is TransportTarget {
  return typeof target === 'object' && 'transport' in target && typeof target.transport?.send === 'function';
}

/** Opens the transport for a target. */
export async function openTransport(target: ClientTarget, options: TransportOptions): Promise<Transport> {
  if (typeof target === 'string' || target instanceof URL) {
    let url: URL;
    try {
      url = new URL(String(target));
    } catch (error) {
      throw new McpkitError('VALIDATION_FAILED', 'The client target is not a valid URL.', {
        cause: error,
        hint: 'Pass an absolute http(s) URL such as http://127.0.0.1:3000/mcp, a { command } or a server.',
      });
    }
    const auth = httpAuth(options.auth);
    const baseFetch: FetchLike = options.fetch ?? ((input, init) => fetch(input, init));
    const wrapped = auth.wrapFetch ? auth.wrapFetch(baseFetch) : options.fetch;
    return new StreamableHTTPClientTransport(url, {
      ...(auth.authProvider ? { authProvider: auth.authProvider } : {}),
      ...(wrapped ? { fetch: wrapped } : {}),
      ...(options.headers ? { requestInit: { headers: options.headers } } : {}),
    });
  }
  if (isTransportTarget(target)) return target.transport;
  if (isLocalServer(target)) {
    // Duck-typed so a server built from another copy of @mcpkit/core still works.
    const server = 'build' in target ? target.build() : target;
    const headers = { ...options.headers, ...(await staticAuthHeader(options.auth)) };
    return new InProcessTransport(server, headers);
  }
  if (typeof target.command !== 'string' || target.command === '') {
    throw new McpkitError('VALIDATION_FAILED', 'The stdio target has no command.', {
      hint: 'Pass { command: "node", args: ["server.js"] }.',
    });
  }
  return new StdioClientTransport({
    command: target.command,
    ...(target.args ? { args: target.args } : {}),
    ...(target.env ? { env: target.env } : {}),
    ...(target.cwd ? { cwd: target.cwd } : {}),
    stderr: target.stderr ?? 'inherit',
  });
}
