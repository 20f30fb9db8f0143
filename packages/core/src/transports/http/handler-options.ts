import type { TrustProxy } from './client-address.js';
import type { EventStore } from './event-store.js';
import type { SessionStore } from './session-store.js';
import type { StreamLimits } from './stream-limits.js';

/** Options of legacy-era sessions (`sessions: { … }`). */
export interface SessionOptions {
  /** Where sessions live. Default: `createMemorySessionStore()` (10 000 sessions, 30 min idle). */
  store?: SessionStore;
  /**
   * Most sessions one caller may open per `newSessionWindowMs`; past it `initialize` gets 429
   * `RATE_LIMITED` with `Retry-After`. A caller is its verified identity (subject + client id),
   * else its peer address (IPv6 by /64). Counted per instance. Default: 100.
   */
  maxNewPerCaller?: number;
  /** The window of `maxNewPerCaller`, in milliseconds. Default: 60 000. */
  newSessionWindowMs?: number;
  /**
   * Also bind sessions of callers without a verified identity to their peer address. Only for a
   * server clients reach directly: behind a load balancer the peer is a proxy, which may change
   * between two requests of one client. Default: false (with auth, sessions are always bound to
   * the identity).
   */
  bindAddress?: boolean;
}

/** Options of the Streamable HTTP handler shared by `.serve()` and `.fetchHandler()`. */
export interface HttpHandlerOptions {
  /** Path of the MCP endpoint. Default: `/mcp`. */
  path?: string;
  /** Largest accepted request body in bytes. Default: 4 MiB. */
  maxBodyBytes?: number;
  /**
   * Hostnames accepted in the Host header (DNS-rebinding protection). Default: the loopback names
   * when bound to a loopback address (`.serve()`), otherwise no check. An empty list turns it off.
   */
  allowedHosts?: readonly string[];
  /** Origins (`scheme://host:port`) accepted in the Origin header. Default: any origin on an allowed host. */
  allowedOrigins?: readonly string[];
  /**
   * Legacy-era sessions (`Mcp-Session-Id`), each bound to the caller that created it. Default: off
   * (stateless). Pass `{ store }` to share them across instances; see {@link SessionOptions}.
   */
  sessions?: boolean | SessionOptions;
  /** Makes legacy event streams resumable (`Last-Event-ID`). Default: an in-memory store; `false` turns it off. */
  eventStore?: EventStore | false;
  /** Reconnect delay announced in the priming event of resumable streams, in milliseconds. Default: 1 000. */
  retryMs?: number;
  /** Serve legacy-era (2024-11-05 … 2025-11-25) clients. Default: true. */
  legacy?: boolean;
  /** Serve `/healthz` and `/readyz`. Default: true. */
  health?: boolean;
  /**
   * Proxies trusted to report the client's address in `X-Forwarded-For` (hop count or their
   * addresses), read from the right; `ctx.clientAddress`, edge guards and per-caller limits use it.
   * Default: none (the peer's address).
   */
  trustProxy?: TrustProxy;
  /** Bounds on long-lived streams, detached calls and server→client requests. Default: see {@link StreamLimits}. */
  streamLimits?: StreamLimits;
}
