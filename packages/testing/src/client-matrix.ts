import type { Era, McpkitServer, ServeOptions } from '@mcpkit/core';
import { McpkitError } from '@mcpkit/core';
import { InProcessTransport } from '@mcpkit/core/internal';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { serveForTest, type TestServer } from './serve-for-test.js';
import {
  connectTestClient,
  connectWith,
  type LocalTestServer,
  type TestClient,
  type TestClientOptions,
  toServer,
} from './test-client.js';
import type { TestClientTools } from './typed-calls.js';

/** How a matrix run reaches the server: in the same process, over Streamable HTTP on 127.0.0.1, or over stdio. */
export type TestTransport = 'in-process' | 'http' | 'stdio';

/** A built server started as a child process that speaks MCP on stdin/stdout. */
export interface StdioCommand {
  /** The executable, e.g. `process.execPath`. */
  command: string;
  /** Its arguments, e.g. `['dist/main.js', '--stdio']`. */
  args?: string[];
  /** Extra environment variables (on top of the official client's safe defaults). */
  env?: Record<string, string>;
  /** Working directory of the child. Default: the current one. */
  cwd?: string;
  /**
   * Receives the child's standard error, decoded as UTF-8, chunk by chunk (a server's log lines,
   * for a test to search). Default: the child's standard error is ignored.
   */
  onStderr?: (text: string) => void;
}

/** Options of one more client of a run: a test client's, plus the environment of a `stdio` run's child. */
export interface RunConnectOptions extends Omit<TestClientOptions, 'era'> {
  /**
   * Extra environment variables of this client's child process, over the command's own `env`
   * (`stdio` runs only; the other transports ignore it). A stdio server learns its caller from
   * its environment, as HTTP ones do from `headers`.
   */
  env?: Record<string, string>;
}

/**
 * Options of {@link clientMatrix}. `S` is the server's type: the runs' clients are typed by its
 * tools (see `TestClient`), also for the `stdio` runs, which are meant to run the same server.
 */
export interface ClientMatrixOptions<S extends LocalTestServer = LocalTestServer> {
  /**
   * The server for the `in-process` and `http` runs (a builder is built once). A function is
   * called once, when the first client connects: for a server a `beforeAll` makes (on a database
   * opened there, say), which does not exist yet when the runs are declared.
   */
  server?: S | (() => S);
  /** The command for the `stdio` runs. */
  stdio?: StdioCommand;
  /** Eras to run. Default: `['modern', 'legacy']`. */
  eras?: readonly Era[];
  /** Transports to run. Default: `in-process` and `http` when `server` is given, plus `stdio` when `stdio` is. */
  transports?: readonly TestTransport[];
  /** Options of the HTTP endpoint the `http` runs use (passed to `serveForTest`). */
  serve?: ServeOptions;
}

/** One era × transport combination of a {@link clientMatrix}; its clients are typed by `S`'s tools. */
export interface ClientMatrixRun<S extends LocalTestServer = LocalTestServer> {
  /** The run's label, e.g. `modern · http`. */
  readonly name: string;
  readonly era: Era;
  readonly transport: TestTransport;
  /**
   * Connects one more test client in this run's era over its transport. The `http` run starts its
   * endpoint on the first call; the `stdio` run starts one child process per client.
   */
  connect(options?: RunConnectOptions): Promise<TestClient<TestClientTools<S>>>;
  /** Closes every client this run connected and the HTTP endpoint it started. */
  close(): Promise<void>;
}

const ALL_ERAS: readonly Era[] = ['modern', 'legacy'];

function defaultTransports(options: ClientMatrixOptions<LocalTestServer>): TestTransport[] {
  const transports: TestTransport[] = [];
  if (options.server) transports.push('in-process', 'http');
  if (options.stdio) transports.push('stdio');
  return transports;
}

/**
 * The era × transport combinations to run a test body under, each able to connect real test
 * clients. Runner-agnostic: `describeEachClient` from `@mcpkit/testing/vitest` wraps it in
 * `describe` blocks; with another runner, loop over the runs yourself.
 */
export function clientMatrix<S extends LocalTestServer = LocalTestServer>(
  options: ClientMatrixOptions<S>,
): ClientMatrixRun<S>[] {
  const transports = options.transports ?? defaultTransports(options);
  if (transports.length === 0) {
    throw new McpkitError('VALIDATION_FAILED', 'clientMatrix() has no transport to run.', {
      hint: 'Pass `server` (in process and HTTP) and/or `stdio` (a built server command).',
    });
  }
  const needsServer = transports.some((t) => t !== 'stdio');
  if (needsServer && !options.server) {
    throw new McpkitError(
      'VALIDATION_FAILED',
      'clientMatrix() needs `server` for in-process and HTTP runs.',
      {
        hint: "Pass `server`, or `transports: ['stdio']` with `stdio`.",
      },
    );
  }
  if (transports.includes('stdio') && !options.stdio) {
    throw new McpkitError('VALIDATION_FAILED', 'clientMatrix() needs `stdio` (a command) for stdio runs.', {
      hint: "Pass `stdio: { command: process.execPath, args: ['dist/main.js', '--stdio'] }`.",
    });
  }
  const given = options.server;
  let server: McpkitServer | undefined;
  const serverOf = (): McpkitServer => {
    server ??= toServer(typeof given === 'function' ? given() : (given as S));
    return server;
  };
  const runs: ClientMatrixRun<S>[] = [];
  for (const era of options.eras ?? ALL_ERAS) {
    for (const transport of transports) {
      runs.push(createRun(era, transport, serverOf, options) as unknown as ClientMatrixRun<S>);
    }
  }
  return runs;
}

function createRun(
  era: Era,
  transport: TestTransport,
  serverOf: () => McpkitServer,
  options: ClientMatrixOptions<LocalTestServer>,
): ClientMatrixRun {
  const clients = new Set<TestClient>();
  let endpoint: Promise<TestServer> | undefined;
  const open = async ({ env, ...clientOptions }: RunConnectOptions & { era: Era }): Promise<TestClient> => {
    if (transport === 'in-process') {
      return connectWith(new InProcessTransport(serverOf(), clientOptions.headers), clientOptions);
    }
    if (transport === 'http') {
      endpoint ??= serveForTest(serverOf(), options.serve);
      const { url } = await endpoint;
      return connectTestClient(url, clientOptions);
    }
    const stdio = options.stdio as StdioCommand;
    const child = new StdioClientTransport({
      command: stdio.command,
      ...(stdio.args ? { args: stdio.args } : {}),
      ...(stdio.cwd ? { cwd: stdio.cwd } : {}),
      env: { ...getDefaultEnvironment(), ...stdio.env, ...env },
      stderr: stdio.onStderr ? 'pipe' : 'ignore',
    });
    const { onStderr } = stdio;
    if (onStderr) child.stderr?.on('data', (chunk: Buffer) => onStderr(chunk.toString('utf8')));
    return connectWith(child, clientOptions);
  };
  return {
    name: `${era} · ${transport}`,
    era,
    transport,
    async connect(clientOptions = {}) {
      const client = await open({ ...clientOptions, era });
      clients.add(client);
      return client;
    },
    async close() {
      const closing = [...clients].map((client) => client.close().catch(() => undefined));
      clients.clear();
      await Promise.all(closing);
      const started = endpoint;
      endpoint = undefined;
      if (started) await (await started).close();
    },
  };
}
