import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Engine } from '../../engine/engine.js';
import { ConnectionDrain } from './connection-drain.js';
import type { HttpHandlerOptions } from './handler-options.js';
import { isLoopbackBind, LOOPBACK_HOSTS } from './host-check.js';
import type { HttpCallUsage } from './http-calls.js';
import { McpHttpHandler } from './mcp-handler.js';
import { BodyTooLargeError, type HttpRequestInfo, type HttpSink, type ResponseBody } from './sink.js';
import { type CorkedStream, StreamCorks } from './stream-corks.js';
import { byteLengthOf, endWith, WriteBatch } from './write-batch.js';

/** Options of `.serve()`. */
export interface ServeOptions extends HttpHandlerOptions {
  /** Port to listen on; 0 picks a free one. Default: `PORT` from the environment, else 3000. */
  port?: number;
  /** Address to bind. Default: `127.0.0.1` (loopback only). */
  host?: string;
  /** How long shutdown waits for in-flight requests before aborting them, in milliseconds. Default: 10 000. */
  shutdownGraceMs?: number;
  /**
   * On shutdown, once no request is in flight, how long idle kept-alive connections stay open so a
   * request already on its way on one is answered (503, `Connection: close`) instead of reset, in
   * milliseconds. Default: 500.
   */
  shutdownLingerMs?: number;
  /** Drain and exit on SIGTERM/SIGINT. Default: true. */
  handleSignals?: boolean;
  /**
   * Write complete JSON responses together at the end of each event-loop turn instead of one by
   * one: far fewer wake-ups under load, at the price of a response waiting for the other requests
   * read in its turn. Event streams are held to the end of their turn either way (one that ends
   * in it leaves in one write, with the turn's batch when batching), then written as they go.
   * Default: true.
   */
  batchResponses?: boolean;
}

/** A running HTTP server. */
export interface HttpServerHandle {
  /** The MCP endpoint URL, e.g. `http://127.0.0.1:3000/mcp`. */
  readonly url: string;
  readonly port: number;
  /** The underlying node:http server. */
  readonly server: Server;
  /** Stops accepting, drains in-flight requests (bounded by the grace period) and closes. */
  close(): Promise<void>;
  /** What the endpoint holds now: calls, resumable and detached streams, pending client requests, open streams. */
  usage(): HttpCallUsage;
}

/** Adapts a node response to the handler's sink (a class: no closures allocated per request). */
export class NodeSink implements HttpSink, CorkedStream {
  /** Set once a complete response is sent: it may still sit in the batch, but the exchange is over. */
  #sent = false;
  /** An event stream held back until the end of the turn (or the stream's end), with what it wrote. */
  #held = false;
  #pending = '';

  constructor(
    private readonly res: ServerResponse,
    private readonly batch?: WriteBatch,
    private readonly connections?: ConnectionDrain,
    private readonly corks?: StreamCorks,
  ) {}

  send(status: number, headers: Record<string, string>, body: ResponseBody): void {
    const res = this.res;
    if (res.headersSent) return;
    headers['content-length'] = String(byteLengthOf(body));
    // While draining, the client must not send another request on this connection.
    if (this.connections?.draining) headers.connection = 'close';
    // The head is built now, so a bad header value still throws to the caller.
    res.writeHead(status, headers);
    this.#sent = true;
    if (this.batch) this.batch.end(res, body);
    else endWith(res, body);
  }

  startStream(headers: Record<string, string>): void {
    if (this.res.headersSent) return;
    if (this.connections?.draining) headers.connection = 'close';
    // The head is built now, so a bad header value still throws to the caller.
    this.res.writeHead(200, headers);
    if (!this.corks) {
      this.res.flushHeaders();
      return;
    }
    // The head and the events wait for the end of the turn (or of the stream) and leave together.
    this.#held = true;
    this.corks.hold(this);
  }

  /** The end of the turn: sends the head and what the stream wrote so far, in one write. */
  release(): void {
    if (!this.#held) return;
    this.#held = false;
    const res = this.res;
    const pending = this.#pending;
    this.#pending = '';
    if (res.writableEnded || res.destroyed) return;
    if (pending === '') res.flushHeaders();
    else res.write(pending);
  }

  write(chunk: string): void {
    if (this.#held) this.#pending += chunk;
    else this.res.write(chunk);
  }

  end(received?: () => void): void {
    const res = this.res;
    if (this.#held) {
      // Ended in the turn it started: head and every event leave as one chunk, in one write, with
      // the complete responses of this turn when they are batched.
      this.#held = false;
      this.#sent = true;
      const pending = this.#pending;
      this.#pending = '';
      if (this.batch) this.batch.end(res, pending);
      else res.end(pending);
    } else res.end();
    if (received !== undefined && res.socket) (res.socket as ReceiptSocket)[RECEIPT] = received;
  }

  get open(): boolean {
    return !this.#sent && !this.res.writableEnded && !this.res.destroyed;
  }

  onClose(listener: () => void): void {
    const res = this.res;
    res.once('close', () => {
      if (!res.writableFinished) listener();
    });
  }
}

const ignore = () => {};

/** Where a connection keeps the receipt of the stream it carried last, until its next request. */
const RECEIPT = Symbol('mcpkit.streamReceipt');
type ReceiptSocket = Socket & { [RECEIPT]?: (() => void) | undefined };

/**
 * A client sends its next request on a connection only after reading the previous response (HTTP
 * clients do not pipeline MCP requests): that request is the receipt of the stream before it.
 */
function acknowledge(socket: ReceiptSocket): void {
  const received = socket[RECEIPT];
  if (received === undefined) return;
  socket[RECEIPT] = undefined;
  received();
}

/** Adapts a node request to the handler's request view. */
export class NodeRequest implements HttpRequestInfo {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
  body: string | BodyTooLargeError | undefined = undefined;

  constructor(private readonly req: IncomingMessage) {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    this.method = req.method ?? 'GET';
    this.path = q === -1 ? url : url.slice(0, q);
    this.headers = req.headers as Record<string, string | undefined>;
  }

  get query(): string {
    const url = this.req.url ?? '';
    const q = url.indexOf('?');
    return q === -1 ? '' : url.slice(q + 1);
  }

  get remoteAddress(): string | undefined {
    return this.req.socket.remoteAddress;
  }

  /**
   * Reads the whole body with plain callbacks (no promise per request), then calls `done`. A body
   * over `limit` is drained and recorded as a {@link BodyTooLargeError}; a client that goes away
   * mid-body gets no answer.
   */
  collect(limit: number, done: () => void): void {
    const req = this.req;
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > limit) {
      this.body = new BodyTooLargeError();
      req.resume();
      done();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      if (this.body !== undefined) return;
      size += chunk.length;
      if (size > limit) {
        this.body = new BodyTooLargeError();
        req.resume();
        done();
        return;
      }
      chunks.push(chunk);
    });
    // A client that goes away mid-body makes the request stream fail: nobody is left to answer.
    req.on('error', ignore);
    req.on('end', () => {
      if (this.body !== undefined) return;
      this.body =
        chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8');
      done();
    });
  }

  readBody(limit: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const settle = () => (typeof this.body === 'string' ? resolve(this.body) : reject(this.body));
      if (this.body !== undefined) settle();
      else this.collect(limit, settle);
    });
  }
}

/** Serves a built server on node:http with DNS-rebinding protection and graceful shutdown. */
export async function serveHttp(server: Engine, options: ServeOptions = {}): Promise<HttpServerHandle> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? (process.env.PORT ? Number(process.env.PORT) : 3000);
  const allowedHosts = options.allowedHosts ?? (isLoopbackBind(host) ? LOOPBACK_HOSTS : undefined);
  const handler = new McpHttpHandler(server, { ...options, allowedHosts });
  const batch =
    (options.batchResponses ?? true)
      ? new WriteBatch((error) => server.logger.error({ err: error }, 'writing a response failed'))
      : undefined;
  const corks = new StreamCorks();
  const http = createServer((req, res) => {
    acknowledge(req.socket as ReceiptSocket);
    const request = new NodeRequest(req);
    const sink = new NodeSink(res, batch, connections, corks);
    if (req.method !== 'POST') {
      void handler.handle(request, sink);
      return;
    }
    request.collect(handler.maxBodyBytes, () => void handler.handle(request, sink));
  });
  const connections = new ConnectionDrain(http);
  http.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const address = http.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const graceMs = options.shutdownGraceMs ?? 10_000;
  const lingerMs = options.shutdownLingerMs ?? 500;
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      const stopped = connections.stopListening();
      await handler.drain(graceMs);
      // Answers of the last requests may still wait for the end of the turn: send them first.
      batch?.flush();
      corks.releaseAll();
      await server.runDrainedTasks(graceMs);
      await connections.close(lingerMs);
      await stopped;
    })();
    return closing;
  };
  if (options.handleSignals ?? true) {
    const onSignal = (signal: NodeJS.Signals) => {
      server.logger.info(
        { signal, inflight: handler.inflight },
        'shutting down: draining in-flight requests',
      );
      void close().then(() => process.exit(0));
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  }
  return {
    url: `http://${urlHost}:${address.port}${options.path ?? '/mcp'}`,
    port: address.port,
    server: http,
    close,
    usage: () => handler.usage(),
  };
}
