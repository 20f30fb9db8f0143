import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { systemClock } from '@mcpkit/core';
import {
  faultDrawer,
  type MockFaults,
  type MockReply,
  type MockRoute,
  type MockStep,
  type RecordedRequest,
  replyFor,
  routeMatches,
} from './mock-upstream-script.js';

/** Options of {@link mockUpstream}. */
export interface MockUpstreamOptions {
  /** Random-fault mode from the start (see {@link MockUpstream.faults}). Default: off. */
  faults?: MockFaults;
}

/** A scriptable HTTP upstream on 127.0.0.1 that records every request. */
export interface MockUpstream {
  /** Origin of the mock, e.g. `http://127.0.0.1:49152`. */
  readonly url: string;
  /** Every request received, in arrival order. */
  readonly requests: readonly RecordedRequest[];
  /**
   * Scripts a route: `method` is a name or `*`; `path` is exact, `/prefix/*` or `*`. Steps answer
   * successive requests; the last step repeats. Later routes take precedence over earlier ones.
   */
  route(method: string, path: string, steps: MockStep | readonly MockStep[]): MockUpstream;
  /** Turns the seeded random-fault mode on (or off with `undefined`); the generator restarts from the seed. */
  faults(config: MockFaults | undefined): MockUpstream;
  /** Resolves once at least `count` requests were received (rejects after `timeoutMs`, default 5 s). */
  waitForRequests(count: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  /** Resolves with `closedEarlyAt` once the client closed `request` before its response completed. */
  waitForClose(request: RecordedRequest, timeoutMs?: number): Promise<number>;
  /** Forgets routes, faults and recorded requests. */
  reset(): void;
  /** Destroys open connections (hanging requests included) and stops listening. */
  close(): Promise<void>;
}

type Waiter = () => void;

const DEFAULT_WAIT_MS = 5_000;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    // A client that aborts mid-upload still deserves a record of what arrived.
    req.on('error', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function encodeBody(reply: MockReply): { payload: Buffer; contentType: string | undefined } {
  const status = reply.status ?? 200;
  if (reply.bodyBytes !== undefined) {
    return { payload: Buffer.alloc(reply.bodyBytes, 'x'), contentType: 'text/plain' };
  }
  const body = reply.body === undefined && status >= 200 && status < 300 ? { ok: true } : reply.body;
  if (body === undefined) return { payload: Buffer.alloc(0), contentType: undefined };
  if (Buffer.isBuffer(body)) return { payload: body, contentType: 'application/octet-stream' };
  if (typeof body === 'string')
    return { payload: Buffer.from(body), contentType: 'text/plain; charset=utf-8' };
  return { payload: Buffer.from(JSON.stringify(body)), contentType: 'application/json' };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function send(res: ServerResponse, socket: Socket, reply: MockReply): Promise<string> {
  if (reply.reset) {
    // A TCP RST, as a crashed proxy or load balancer sends: the client sees ECONNRESET.
    socket.resetAndDestroy();
    return 'reset';
  }
  if (reply.hang) return 'hang';
  if (reply.delayMs) await sleep(reply.delayMs);
  if (res.destroyed) return `status:${reply.status ?? 200}`;
  const status = reply.status ?? 200;
  const { payload, contentType } = encodeBody(reply);
  const headers: Record<string, string> = { ...reply.headers };
  if (contentType && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
    headers['content-type'] = contentType;
  }
  if (reply.retryAfterMs !== undefined)
    headers['retry-after'] = String(Math.ceil(reply.retryAfterMs / 1_000));
  if (!reply.chunkDelayMs) {
    headers['content-length'] = String(payload.length);
    res.writeHead(status, headers);
    res.end(payload);
    return `status:${status}`;
  }
  res.writeHead(status, headers);
  res.flushHeaders();
  const pieces = Math.max(1, reply.chunks ?? 5);
  const size = Math.ceil(payload.length / pieces);
  for (let offset = 0; offset < payload.length; offset += size) {
    await sleep(reply.chunkDelayMs);
    if (res.destroyed) return `status:${status}`;
    res.write(payload.subarray(offset, offset + size));
  }
  res.end();
  return `status:${status}`;
}

/**
 * Starts a scriptable HTTP upstream on 127.0.0.1 (port chosen by the OS): status sequences,
 * delays, hangs, connection resets, `Retry-After`, slow and oversized bodies, and a seeded
 * random-fault mode. Every request is recorded for assertions.
 */
export async function mockUpstream(options: MockUpstreamOptions = {}): Promise<MockUpstream> {
  let routes: MockRoute[] = [];
  let drawFault: (() => MockReply | undefined) | undefined = options.faults
    ? faultDrawer(options.faults)
    : undefined;
  const requests: RecordedRequest[] = [];
  let waiters: Waiter[] = [];
  const closeWaiters = new Map<RecordedRequest, Waiter[]>();
  const notify = () => {
    const current = waiters;
    waiters = [];
    for (const waiter of current) waiter();
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://mock');
    const receivedAt = systemClock.now();
    const method = (req.method ?? 'GET').toUpperCase();
    const body = await readBody(req);
    const record: RecordedRequest = {
      index: requests.length,
      method,
      path: url.pathname,
      query: url.search.slice(1),
      headers: { ...req.headers },
      body,
      receivedAt,
      outcome: 'pending',
      closedEarlyAt: undefined,
    };
    requests.push(record);
    res.on('close', () => {
      if (res.writableFinished) return;
      record.closedEarlyAt = systemClock.now();
      const list = closeWaiters.get(record) ?? [];
      closeWaiters.delete(record);
      for (const waiter of list) waiter();
    });
    notify();

    const fault = drawFault?.();
    let reply: MockReply;
    let prefix = '';
    if (fault) {
      reply = fault;
      prefix = 'fault:';
    } else {
      // Later routes win, so a test can override a catch-all set up in beforeEach.
      const route = [...routes].reverse().find((r) => routeMatches(r, method, url.pathname));
      if (!route) {
        reply = { status: 404, body: { error: `no mock route for ${method} ${url.pathname}` } };
      } else {
        const step = route.steps[Math.min(route.hits, route.steps.length - 1)] as MockStep;
        route.hits += 1;
        reply = await replyFor(step, record);
      }
    }
    record.outcome = prefix + (await send(res, req.socket, reply));
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  // Keep-alive as real APIs do, so clients exercise their connection pools.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const mock: MockUpstream = {
    url: `http://127.0.0.1:${port}`,
    requests,
    route(method, path, steps) {
      const list = Array.isArray(steps) ? [...(steps as readonly MockStep[])] : [steps as MockStep];
      if (list.length === 0) throw new Error('mockUpstream.route needs at least one step');
      routes.push({ method: method.toUpperCase(), path, steps: list, hits: 0 });
      return mock;
    },
    faults(config) {
      drawFault = config ? faultDrawer(config) : undefined;
      return mock;
    },
    waitForRequests(count, timeoutMs = DEFAULT_WAIT_MS) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (requests.length >= count) {
            clearTimeout(timer);
            resolve([...requests]);
            return true;
          }
          return false;
        };
        const timer = setTimeout(
          () => reject(new Error(`mock upstream saw ${requests.length} of ${count} requests`)),
          timeoutMs,
        );
        if (check()) return;
        const wait = () => {
          if (!check()) waiters.push(wait);
        };
        waiters.push(wait);
      });
    },
    waitForClose(request, timeoutMs = DEFAULT_WAIT_MS) {
      if (request.closedEarlyAt !== undefined) return Promise.resolve(request.closedEarlyAt);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`request ${request.index} was not closed by the client`)),
          timeoutMs,
        );
        const list = closeWaiters.get(request) ?? [];
        list.push(() => {
          clearTimeout(timer);
          resolve(request.closedEarlyAt as number);
        });
        closeWaiters.set(request, list);
      });
    },
    reset() {
      routes = [];
      drawFault = undefined;
      requests.length = 0;
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  return mock;
}
