import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Fault switches of a sandbox, changed at run time by tests and the demo. */
export interface SandboxFaults {
  /** Every faulted request waits this long before it is answered (0: none). */
  hangMs: number;
  /** Every faulted request is answered with this status instead (0: none). */
  failStatus: number;
  /** Only requests whose path starts with one of these are faulted. Default: every path. */
  paths?: readonly string[];
}

/** A request as a sandbox route sees it. */
export interface SandboxRequest {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A sandbox route's answer. */
export interface SandboxReply {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/** A running sandbox: its origin, fault switches and request counts. */
export interface SandboxServer {
  readonly url: string;
  readonly faults: SandboxFaults;
  /** Requests received per wall-clock second (epoch second → count), counted paths only. */
  readonly perSecond: Map<number, number>;
  /** Requests received on counted paths. */
  requests: number;
  close(): Promise<void>;
}

/**
 * Starts a sandbox HTTP server on 127.0.0.1 (an OS port) answering through `handle`, with fault
 * switches applied before it. A hanging request ends early when its client goes away.
 */
export async function startSandboxServer(
  handle: (req: SandboxRequest) => SandboxReply | Promise<SandboxReply>,
  options: { counted?: (path: string) => boolean; faultPaths?: readonly string[] } = {},
): Promise<SandboxServer> {
  const faults: SandboxFaults = {
    hangMs: 0,
    failStatus: 0,
    ...(options.faultPaths ? { paths: options.faultPaths } : {}),
  };
  const perSecond = new Map<number, number>();
  const state = { requests: 0 };
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (options.counted?.(url.pathname) ?? true) {
      state.requests++;
      const second = Math.floor(Date.now() / 1000);
      perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
      if (perSecond.size > 3_600) perSecond.delete(perSecond.keys().next().value as number);
    }
    const faulted = !faults.paths || faults.paths.some((p) => url.pathname.startsWith(p));
    if (faulted && faults.hangMs > 0) {
      const gone = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), faults.hangMs);
        res.once('close', () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      if (gone) return;
    }
    let reply: SandboxReply;
    if (faulted && faults.failStatus > 0) {
      reply = { status: faults.failStatus, body: { message: 'sandbox fault' } };
    } else {
      try {
        reply = await handle({
          method: req.method ?? 'GET',
          url,
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
      } catch {
        reply = { status: 500, body: { message: 'sandbox error' } };
      }
    }
    const text =
      reply.body === undefined
        ? ''
        : typeof reply.body === 'string'
          ? reply.body
          : JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      ...(reply.body !== undefined && typeof reply.body !== 'string'
        ? { 'content-type': 'application/json' }
        : {}),
      ...reply.headers,
    });
    res.end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const sandbox: SandboxServer = {
    url: `http://127.0.0.1:${port}`,
    faults,
    perSecond,
    get requests() {
      return state.requests;
    },
    set requests(value: number) {
      state.requests = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return sandbox;
}
