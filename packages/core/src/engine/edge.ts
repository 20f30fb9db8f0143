import { RpcCode } from '../protocol/rpc-error.js';
import type { AuthIdentity } from './context.js';
import { type ErrorCode, isMcpkitError, type McpkitError, toErrorPayload } from './errors.js';

/**
 * What an edge guard sees of one HTTP request to the MCP endpoint. For a POST the JSON-RPC
 * message has been parsed, so a guard can tell a `tools/call` of one tool from another.
 */
export interface EdgeRequest {
  /** HTTP method (`POST`, `GET`, `DELETE`). */
  readonly httpMethod: string;
  /** Request path without the query string. */
  readonly path: string;
  /** Header values by lower-case name. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** Address of the peer that opened the connection, when the adapter knows it. */
  readonly remoteAddress: string | undefined;
  /**
   * The client's address: the peer's, or read from the right of `X-Forwarded-For` past the proxies
   * the endpoint's `trustProxy` trusts (never what the client itself wrote). Key limits by this.
   */
  readonly clientAddress: string | undefined;
  /** JSON-RPC method of a POSTed request or notification; undefined for GET, DELETE and responses. */
  readonly rpcMethod: string | undefined;
  /** Tool or prompt name, or resource URI, the POSTed request targets. */
  readonly rpcName: string | undefined;
  /** The raw body of a POST, exactly as received (for signatures over the body); undefined otherwise. */
  readonly body: string | undefined;
  /** A fresh correlation id in the server's own format (the one core generates when nothing else chose one). */
  newRequestId(): string;
}

/** What a guard lets through with the request. Every field is optional; later guards override earlier ones. */
export interface EdgeDecision {
  /** The verified caller; becomes `ctx.auth` for every request of this HTTP exchange. */
  auth?: AuthIdentity;
  /** The correlation id to use instead of the one core would take from `X-Request-Id` or generate. */
  requestId?: string;
  /** Headers to add to the HTTP response (rate-limit state, a custom request-id header, …). */
  headers?: Record<string, string>;
}

/**
 * Runs at the HTTP edge for every request to the MCP endpoint (POST, GET and DELETE; not for
 * health or extra routes), before anything is dispatched. Return a decision (or nothing) to let
 * the request through; throw an {@link HttpRefusal} — or a coded `McpkitError` — to refuse the
 * whole HTTP request with its own status and headers. `decided` is what earlier guards decided
 * (so a rate limit installed after auth can key by the verified caller).
 */
export type EdgeGuard = (
  req: EdgeRequest,
  decided: Readonly<EdgeDecision> | undefined,
) => EdgeDecision | undefined | Promise<EdgeDecision | undefined>;

/** An extra HTTP route's view of its request. */
export interface RouteRequest {
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  /** The query string without `?` (empty when there is none). */
  readonly query: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly remoteAddress: string | undefined;
  /** Reads the raw body as text (bounded by the endpoint's `maxBodyBytes`). */
  text(): Promise<string>;
}

/** An extra HTTP route's answer. */
export interface RouteResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/** Serves one extra HTTP path beside the MCP endpoint (metadata documents, `/metrics`, webhooks). */
export type RouteHandler = (req: RouteRequest) => RouteResponse | Promise<RouteResponse>;

/** HTTP status a refusal gets by default, by error code. */
const STATUS_OF: Partial<Record<ErrorCode, number>> = {
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
  VALIDATION_FAILED: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  CIRCUIT_OPEN: 503,
  UPSTREAM_UNAVAILABLE: 503,
  UPSTREAM_TIMEOUT: 504,
};

/** Options of {@link HttpRefusal}. */
export interface HttpRefusalOptions {
  /** HTTP status. Default: from the error code (401, 403, 429, …; 400 otherwise). */
  status?: number;
  /** Extra response headers (`WWW-Authenticate`, `RateLimit-*`, …). `Retry-After` is added from `retryAfterMs`. */
  headers?: Record<string, string>;
}

/**
 * Refuses a whole HTTP request at the edge: the client gets the status and headers, and a JSON-RPC
 * error whose `data` carries the coded error (`code`, `message`, `retryable`, `retryAfterMs`, `hint`).
 */
export class HttpRefusal extends Error {
  override readonly name = 'HttpRefusal';
  readonly status: number;
  readonly headers: Record<string, string>;

  constructor(
    readonly error: McpkitError,
    options: HttpRefusalOptions = {},
  ) {
    super(error.message);
    this.status = options.status ?? STATUS_OF[error.code] ?? 400;
    this.headers = { ...options.headers };
    if (error.retryAfterMs !== undefined && !hasHeader(this.headers, 'retry-after')) {
      this.headers['retry-after'] = String(Math.max(1, Math.ceil(error.retryAfterMs / 1000)));
    }
  }

  /** The JSON-RPC error body for a request with `id` (null when unknown). */
  body(id: string | number | null, requestId: string): string {
    const rpcCode = this.status >= 500 ? RpcCode.INTERNAL_ERROR : RpcCode.INVALID_REQUEST;
    return JSON.stringify({
      jsonrpc: '2.0',
      id,
      error: { code: rpcCode, message: this.error.message, data: toErrorPayload(this.error, requestId) },
    });
  }
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}

/**
 * What a guard threw, as a refusal: refusals pass through, coded errors get their status, and
 * anything else is `null` (an unexpected failure the caller logs and answers with 500).
 */
export function toRefusal(error: unknown): HttpRefusal | null {
  if (error instanceof HttpRefusal) return error;
  if (isMcpkitError(error) && error.code !== 'INTERNAL') return new HttpRefusal(error);
  return null;
}

/**
 * Runs the guards in order and merges their decisions (later fields win). Synchronous guards stay
 * synchronous, so a server whose guards never await pays no promise for them.
 */
export function runGuards(
  guards: readonly EdgeGuard[],
  req: EdgeRequest,
  progress: { decided: EdgeDecision | undefined },
): EdgeDecision | undefined | Promise<EdgeDecision | undefined> {
  // `progress` holds what was decided so far, so a refusal by a later guard can still use the
  // request id an earlier guard chose.
  for (let i = 0; i < guards.length; i++) {
    const decision = (guards[i] as EdgeGuard)(req, progress.decided);
    if (decision instanceof Promise) {
      return decision.then(async (first) => {
        progress.decided = merge(progress.decided, first);
        for (let j = i + 1; j < guards.length; j++) {
          progress.decided = merge(progress.decided, await (guards[j] as EdgeGuard)(req, progress.decided));
        }
        return progress.decided;
      });
    }
    progress.decided = merge(progress.decided, decision);
  }
  return progress.decided;
}

function merge(into: EdgeDecision | undefined, next: EdgeDecision | undefined): EdgeDecision | undefined {
  if (next === undefined) return into;
  // A guard's decision object is its own: copy it before merging later ones into it.
  if (into === undefined) into = {};
  if (next.auth !== undefined) into.auth = next.auth;
  if (next.requestId !== undefined) into.requestId = next.requestId;
  if (next.headers) into.headers = { ...into.headers, ...next.headers };
  return into;
}
