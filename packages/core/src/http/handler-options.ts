import type { TrustProxy } from '../client-address.js';
import type { EventStore } from './event-store.js';
import type { SessionStore } from './session-store.js';
import type { StreamLimits } from './stream-limits.js';

/** Options of the Streamable HTTP handler shared by `.serve()` and `.handler()`. */
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
  /** Legacy-era sessions (`Mcp-Session-Id`). Default: off (stateless). Pass `{ store }` to share them across instances. */
  sessions?: boolean | { store?: SessionStore };
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
  limits?: StreamLimits;
}
