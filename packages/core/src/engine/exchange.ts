import type { Era, LoggingLevel } from '../protocol/versions.js';
import type { Cancellation } from './cancellation.js';
import type { AuthIdentity, ClientDescription } from './context.js';

/** The way back to the client for one request: its own stream. */
export interface Exchange {
  /** Sends a notification tied to this request (progress, log messages). */
  notify(method: string, params: Record<string, unknown>): void;
  /** Sends a server→client request on this request's stream and resolves to the client's result. */
  request(method: string, params: Record<string, unknown>, signal: AbortSignal): Promise<unknown>;
  /** Ends the current stream connection early so the client resumes with `Last-Event-ID`; false when not resumable. */
  closeStream?(): boolean;
}

/** What a transport knows about one inbound request before dispatch. */
export interface CallEnv {
  readonly era: Era;
  readonly protocolVersion: string;
  readonly client: ClientDescription;
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** Correlation id (validated `X-Request-Id` or generated). */
  readonly requestId: string;
  /** The request's cancellation; its signal is created on first use. */
  readonly cancellation: Cancellation;
  readonly exchange: Exchange;
  /**
   * Lowest log level the client wants: a level, `undefined` when the client never said (legacy:
   * send everything) or `null` when logs must not be sent (modern request without `logLevel`).
   */
  readonly logLevel: LoggingLevel | null | undefined;
  /** The HTTP peer and the client's address behind trusted proxies, read lazily (a socket lookup costs a system call). */
  readonly peer?: {
    readonly remoteAddress?: string | undefined;
    readonly clientAddress?: string | undefined;
  };
  /** The caller an edge guard verified, if any; the initial `ctx.auth`. */
  readonly auth?: AuthIdentity | undefined;
}
