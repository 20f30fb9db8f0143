import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signWebhook } from '@mcpkit/middleware';
import { HoldRule, type RequestHold } from './request-hold.js';
import { type SandboxEvent, type SandboxReply, SandboxStore } from './sandbox-store.js';
import { seededRandom } from './seeded-random.js';
import { serveThreeDSecurePage } from './three-d-secure-page.js';

export type { RequestHold } from './request-hold.js';

/** Fault switches of the sandbox, as fractions of requests (0 … 1). */
export interface SandboxFaults {
  /** Mutations whose change is committed, then the connection dropped before any response byte. */
  dropAfterCommit?: number;
  /** Requests whose connection is reset before they are read (nothing committed). */
  resetConnections?: number;
  /** Extra time every request takes before it is answered, in ms. Default: 0. */
  latencyMs?: number;
  /** Seed of the fault dice, so a run can be replayed. Default: 1. */
  seed?: number;
}

/** Options of {@link startSandbox}. */
export interface SandboxOptions {
  /** The secret key callers must present (HTTP Basic user name, as the real provider takes it). */
  secretKey: string;
  /** The secret webhooks are signed with. */
  webhookSecret: string;
  /** Where events are POSTed; settable later with `setWebhookUrl()`. Default: none. */
  webhookUrl?: string;
  /** Port. Default: 0 (the OS picks). */
  port?: number;
  /** Faults from the start. Default: none. */
  faults?: SandboxFaults;
}

/** What the sandbox saw, for tests and the demo. */
export interface SandboxStats {
  requests: number;
  resets: number;
  dropped: number;
  idempotentReplays: number;
  webhooksSent: number;
  webhooksFailed: number;
  /** Requests being handled now, and the most there ever were at once. */
  inFlight: number;
  maxInFlight: number;
}

/** A running sandbox provider. */
export interface Sandbox {
  /** Base URL, e.g. `http://127.0.0.1:4242`. */
  readonly url: string;
  /** The records (read them to check outcomes). */
  readonly store: SandboxStore;
  readonly stats: SandboxStats;
  /** `x-request-id` of every request received, in order (bounded to the last 10 000). */
  readonly requestIds: string[];
  /** The `message` of every error body sent, in order (bounded to the last 10 000): none may reach an MCP caller. */
  readonly errorMessages: string[];
  setFaults(faults: SandboxFaults): void;
  setWebhookUrl(url: string | undefined): void;
  /**
   * The customer finishes 3-D Secure for charge `chargeId` (as the `authorize_uri` page's buttons
   * do): `authorized` makes it successful (authorized only, for `capture: false`), `failed` fails
   * it; the `charge.complete` event goes to the webhook. Resolves to the charge, or throws when it
   * does not wait for 3-D Secure.
   */
  completeThreeDSecure(chargeId: string, outcome: 'authorized' | 'failed'): Record<string, unknown>;
  /** Holds `method` requests whose path starts with `pathPrefix` unanswered until released. */
  hold(method: string, pathPrefix: string): RequestHold;
  /** How many authenticated `method` requests for exactly `path` arrived so far. */
  requestsTo(method: string, path: string): number;
  /** Sends one event to the webhook URL, signed; resolves to the HTTP status (0 when unreachable). */
  deliver(event: SandboxEvent): Promise<number>;
  close(): Promise<void>;
}

const IDEMPOTENT_KEYS_MAX = 100_000;
const MAX_BODY = 1 << 20;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Starts the sandbox provider: a local HTTP API with the payment provider's shapes (customers,
 * charges, refunds, transfers, events, searches), `Idempotency-Key` semantics, offset/limit pages,
 * signed webhooks and fault switches. It answers only callers presenting the secret key.
 */
export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const store = new SandboxStore();
  const stats: SandboxStats = {
    requests: 0,
    resets: 0,
    dropped: 0,
    idempotentReplays: 0,
    webhooksSent: 0,
    webhooksFailed: 0,
    inFlight: 0,
    maxInFlight: 0,
  };
  const requestIds: string[] = [];
  const errorMessages: string[] = [];
  const counts = new Map<string, number>();
  const holds = new Set<HoldRule>();
  const expectedAuth = digest(`Basic ${Buffer.from(`${options.secretKey}:`).toString('base64')}`);
  // Idempotency-Key → the request it was first used with and the reply it got.
  const idempotent = new Map<string, { fingerprint: string; reply: SandboxReply }>();
  let faults: Required<SandboxFaults> = { dropAfterCommit: 0, resetConnections: 0, latencyMs: 0, seed: 1 };
  let dice = seededRandom(1);
  let webhookUrl = options.webhookUrl;

  const setFaults = (next: SandboxFaults) => {
    faults = {
      dropAfterCommit: next.dropAfterCommit ?? 0,
      resetConnections: next.resetConnections ?? 0,
      latencyMs: next.latencyMs ?? 0,
      seed: next.seed ?? 1,
    };
    dice = seededRandom(faults.seed);
  };
  if (options.faults) setFaults(options.faults);

  const deliver = async (event: SandboxEvent): Promise<number> => {
    if (!webhookUrl) return 0;
    const body = JSON.stringify(event);
    try {
      const response = await fetch(webhookUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-signature': signWebhook(body, { secret: options.webhookSecret }),
        },
        body,
        signal: AbortSignal.timeout(5_000),
      });
      await response.arrayBuffer();
      stats.webhooksSent += 1;
      return response.status;
    } catch {
      stats.webhooksFailed += 1;
      return 0;
    }
  };

  const route = (
    method: string,
    path: string,
    query: URLSearchParams,
    input: Record<string, unknown>,
  ): SandboxReply => {
    const parts = path.split('/').filter(Boolean);
    const [collection, id, action] = parts;
    if (collection === 'customers') {
      if (id === undefined)
        return method === 'POST' ? store.createCustomer(input) : store.list(store.customers.values(), query);
      if (method === 'GET') return store.getCustomer(id);
      if (method === 'PATCH') return store.updateCustomer(id, input);
      if (method === 'DELETE') return store.deleteCustomer(id);
    }
    if (collection === 'charges') {
      if (id === undefined)
        return method === 'POST' ? store.createCharge(input) : store.list(store.charges.values(), query);
      if (action === undefined && method === 'GET') return store.getCharge(id);
      if (action === 'capture' && method === 'POST') return store.capture(id);
      if (action === 'reverse' && method === 'POST') return store.reverse(id);
      if (action === 'refunds' && method === 'POST') return store.refund(id, input);
      if (action === 'refunds' && method === 'GET') {
        if (!store.charges.has(id)) return store.getCharge(id);
        return store.list(store.refunds.values(), query, (r) => r.charge === id);
      }
    }
    if (collection === 'transfers' && id === undefined) {
      return method === 'POST' ? store.createTransfer(input) : store.list(store.transfers.values(), query);
    }
    if (collection === 'events' && id === undefined && method === 'GET')
      return store.list(store.events.values() as never, query);
    if (collection === 'search' && method === 'GET' && query.get('scope') === 'charge')
      return store.searchCharges(query);
    return {
      status: 404,
      body: { object: 'error', code: 'not_found', message: `no route for ${method} ${path}` },
    };
  };

  const answer = (res: ServerResponse, reply: SandboxReply) => {
    if (reply.status >= 400 && typeof reply.body.message === 'string') {
      errorMessages.push(reply.body.message);
      if (errorMessages.length > 10_000) errorMessages.shift();
    }
    const body = JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  };

  const deliverReply = (reply: SandboxReply) => {
    if (reply.event) void deliver(reply.event);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    stats.requests += 1;
    // The customer's 3-D Secure page: a browser, with no secret key.
    if (await serveThreeDSecurePage(req, res, store, deliverReply)) return;
    const requestId = req.headers['x-request-id'];
    if (typeof requestId === 'string') {
      requestIds.push(requestId);
      if (requestIds.length > 10_000) requestIds.shift();
    }
    if (faults.resetConnections > 0 && dice() < faults.resetConnections) {
      stats.resets += 1;
      req.socket.destroy();
      return;
    }
    const auth = req.headers.authorization ?? '';
    const given = digest(auth);
    if (!timingSafeEqual(given, expectedAuth)) {
      answer(res, {
        status: 401,
        body: { object: 'error', code: 'authentication_failure', message: 'authentication failed' },
      });
      return;
    }
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const method = req.method ?? 'GET';
    const counted = `${method} ${url.pathname}`;
    if (counts.has(counted) || counts.size < 10_000) counts.set(counted, (counts.get(counted) ?? 0) + 1);
    const hold = [...holds].find((rule) => rule.matches(method, url.pathname));
    if (hold && !(await hold.wait(res))) return;
    let input: Record<string, unknown> = {};
    const text = await readBody(req);
    if (text !== '') {
      try {
        input = JSON.parse(text) as Record<string, unknown>;
      } catch {
        answer(res, {
          status: 400,
          body: { object: 'error', code: 'bad_request', message: 'malformed JSON' },
        });
        return;
      }
    }
    const key = req.headers['idempotency-key'];
    const mutation = method !== 'GET';
    let reply: SandboxReply;
    if (mutation && typeof key === 'string' && key !== '') {
      const fingerprint = `${method} ${url.pathname} ${text}`;
      const seen = idempotent.get(key);
      if (seen && seen.fingerprint !== fingerprint) {
        reply = {
          status: 422,
          body: {
            object: 'error',
            code: 'idempotency_key_reused',
            message: 'the key was used with another request',
          },
        };
      } else if (seen) {
        stats.idempotentReplays += 1;
        reply = { status: seen.reply.status, body: seen.reply.body };
      } else {
        reply = route(method, url.pathname, url.searchParams, input);
        // Only committed changes are remembered: a refused request may be corrected and resent.
        if (reply.status < 400) {
          idempotent.set(key, {
            fingerprint,
            reply: { status: reply.status, body: structuredClone(reply.body) },
          });
          if (idempotent.size > IDEMPOTENT_KEYS_MAX)
            idempotent.delete(idempotent.keys().next().value as string);
        }
      }
    } else {
      reply = route(method, url.pathname, url.searchParams, input);
    }
    deliverReply(reply);
    if (mutation && faults.dropAfterCommit > 0 && dice() < faults.dropAfterCommit) {
      stats.dropped += 1;
      req.socket.destroy();
      return;
    }
    answer(res, reply);
  };

  const server: Server = createServer((req, res) => {
    stats.inFlight += 1;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    const delay =
      faults.latencyMs > 0
        ? new Promise((resolve) => setTimeout(resolve, faults.latencyMs))
        : Promise.resolve();
    delay
      .then(() => handle(req, res))
      .catch(() => {
        if (!res.headersSent)
          answer(res, {
            status: 500,
            body: { object: 'error', code: 'internal_error', message: 'sandbox failure' },
          });
      })
      .finally(() => {
        stats.inFlight -= 1;
      });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  store.authorizeBase = `http://127.0.0.1:${port}`;

  return {
    url: `http://127.0.0.1:${port}`,
    store,
    stats,
    requestIds,
    errorMessages,
    setFaults,
    setWebhookUrl: (next) => {
      webhookUrl = next;
    },
    deliver,
    completeThreeDSecure(chargeId, outcome) {
      const reply = store.completeThreeDSecure(chargeId, outcome);
      if (reply.status !== 200) throw new Error(`charge ${chargeId}: ${String(reply.body.message)}`);
      deliverReply(reply);
      return reply.body;
    },
    hold(method, pathPrefix) {
      const rule = new HoldRule(method, pathPrefix, (done) => holds.delete(done));
      holds.add(rule);
      return rule;
    },
    requestsTo: (method, path) => counts.get(`${method} ${path}`) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const rule of holds) rule.release();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
