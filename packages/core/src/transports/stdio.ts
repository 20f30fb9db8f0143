import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Engine } from '../engine/engine.js';
import { rpcError } from '../protocol/jsonrpc.js';
import { RpcCode } from '../protocol/rpc-error.js';
import { StreamConnection } from './connection.js';
import { resolveStdioHeaders, type StdioHeaderSource } from './stdio-headers.js';

/** Options of `.stdio()`. */
export interface StdioOptions {
  /** Where messages come from. Default: `process.stdin`. */
  input?: Readable;
  /** Where messages go. Default: `process.stdout`. */
  output?: Writable;
  /** Largest accepted message in bytes. Default: 4 MiB. */
  maxMessageBytes?: number;
  /** Drain budget on SIGTERM/SIGINT or end of input, in milliseconds. Default: 10 000. */
  shutdownGraceMs?: number;
  /** Install SIGTERM/SIGINT handlers that drain and exit. Default: true when using the process streams. */
  handleSignals?: boolean;
  /** The launch environment the plugins' stdio headers are read from (e.g. `MCP_API_KEY`). Default: `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Headers every request carries in `ctx.headers`, over those derived from `env`. Default: none. */
  headers?: Readonly<Record<string, string | undefined>>;
}

/** A running stdio server. */
export interface StdioHandle {
  /** Resolves when input ended and in-flight requests drained. */
  readonly closed: Promise<void>;
  /** Stops reading, drains in-flight requests (bounded) and closes. */
  close(): Promise<void>;
}

/** Serves one client over newline-delimited JSON-RPC on standard input/output, in either era. */
export function serveStdio(
  server: Engine,
  headerSources: readonly StdioHeaderSource[],
  options: StdioOptions = {},
): StdioHandle {
  const input = options.input ?? process.stdin;
  const output = options.output ?? process.stdout;
  const maxBytes = options.maxMessageBytes ?? 4 * 1024 * 1024;
  const graceMs = options.shutdownGraceMs ?? 10_000;
  // The launch environment is the caller's only credential on stdio: read once, for the whole connection.
  const headers = resolveStdioHeaders(headerSources, options.env ?? process.env, options.headers);
  const connection = new StreamConnection(
    server,
    (message) => {
      output.write(JSON.stringify(message) + '\n');
    },
    { headers },
  );
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  lines.on('line', (line) => {
    if (line.trim().length === 0) return;
    if (Buffer.byteLength(line) > maxBytes) {
      output.write(
        JSON.stringify(rpcError(null, RpcCode.INVALID_REQUEST, `Message larger than ${maxBytes} bytes.`)) +
          '\n',
      );
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      output.write(
        JSON.stringify(rpcError(null, RpcCode.PARSE_ERROR, 'Parse error: the line is not valid JSON.')) +
          '\n',
      );
      return;
    }
    connection.receive(value);
  });

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      lines.close();
      await connection.drain(graceMs);
      connection.close();
      await server.runDrainedTasks(graceMs);
    })();
    return closing;
  };
  const closed = new Promise<void>((resolve) => {
    lines.once('close', () => void close().then(resolve));
  });

  const useSignals = options.handleSignals ?? (options.input === undefined && options.output === undefined);
  if (useSignals) {
    const onSignal = () => {
      void close().then(() => process.exit(0));
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  }
  return { closed, close };
}
