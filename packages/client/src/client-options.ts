import type { LoggingLevel } from '@mcpkit/core';
import type {
  ClientCapabilities,
  CreateMessageRequestParams,
  CreateMessageResult,
  ElicitRequestParams,
  ElicitResult,
  FetchLike,
  Root,
} from '@modelcontextprotocol/client';
import type { CallPolicyOptions } from './call-policy.js';
import type { ClientAuth } from './client-auth.js';

/**
 * Which protocol era to speak: `auto` tries the modern era (2026-07-28, stateless,
 * `server/discover`) and falls back to the legacy `initialize` handshake; `modern` pins
 * 2026-07-28 (no fallback); `legacy` speaks 2025-11-25 only.
 */
export type ClientEra = 'auto' | 'modern' | 'legacy';

/** A log message the server sent. */
export interface ServerLog {
  level: LoggingLevel;
  data: unknown;
  logger?: string;
}

/** What a handler of the server's questions (`elicitation`, `sampling`) gets besides the question. */
export interface HandlerContext {
  /** Aborts when the answer is no longer wanted: the request or the call waiting for it was cancelled, timed out, or the client closed. */
  signal: AbortSignal;
}

/** Options of `createClient`. */
export interface ClientOptions extends CallPolicyOptions {
  /** Protocol era. Default: `auto`. */
  era?: ClientEra;
  /** Client name reported to the server. Default: `mcpkit-client`. */
  name?: string;
  /** Client version reported to the server. Default: `1.0.0`. */
  version?: string;
  /** Authentication for HTTP targets (and the header in-process requests carry). */
  auth?: ClientAuth;
  /** Extra request headers (HTTP), or the headers in-process requests carry (`ctx.headers`). */
  headers?: Record<string, string>;
  /** The `fetch` HTTP targets use, e.g. a server's web-standard handler. Default: the global `fetch`. */
  fetch?: FetchLike;
  /** Capabilities to declare beyond those the handlers below imply. */
  capabilities?: ClientCapabilities;
  /**
   * Answers the server's elicitation requests — legacy `elicitation/create` requests and modern
   * `input_required` rounds alike. Declares the `elicitation` capability. `context.signal` aborts
   * when the request (or the call waiting for the answer) is cancelled, times out or the client closes.
   */
  elicitation?: (
    params: ElicitRequestParams,
    context: HandlerContext,
  ) => ElicitResult | Promise<ElicitResult>;
  /** Answers sampling requests (both eras). Declares the `sampling` capability. `context.signal` as for `elicitation`. */
  sampling?: (
    params: CreateMessageRequestParams,
    context: HandlerContext,
  ) => CreateMessageResult | Promise<CreateMessageResult>;
  /** The roots to report (both eras). Declares the `roots` capability. */
  roots?: Root[] | (() => Root[] | Promise<Root[]>);
  /**
   * Declare the Tasks extension (SEP-2663) and follow tool calls that become tasks. Default: `true`.
   * With `false` a tool with `taskSupport: 'required'` is refused by the server.
   */
  tasks?: boolean;
  /** Log level to ask for: `logging/setLevel` (legacy) or the request envelope (modern). Default: none. */
  logLevel?: LoggingLevel;
  /** Receives the server's log messages. */
  onLog?: (log: ServerLog) => void;
}
