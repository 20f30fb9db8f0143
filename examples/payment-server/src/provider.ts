import { createHash, randomUUID } from 'node:crypto';
import { type BaseContext, isMcpkitError, McpkitError, type ToolCallContext } from '@mcpkit/core';
import { createUpstream, type Upstream, type UpstreamOptions } from '@mcpkit/resilience';
import type * as z from 'zod';

/** Options of {@link createProvider}. */
export interface ProviderOptions {
  /** The provider's API base URL (the sandbox's, or `https://api.omise.co`). */
  apiUrl: string;
  /** The provider secret key (sent as the HTTP Basic user name). */
  secretKey: string;
  /** Overrides of the upstream's resilience settings (retries, breaker, rate limit, deadlines). */
  upstream?: Partial<UpstreamOptions>;
}

/** One provider call: method, path, and what goes with it. */
export interface ProviderCall<S extends z.ZodType> {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  schema: S;
  json?: Record<string, unknown>;
  query?: Record<string, string | number>;
  /** For mutations: the key of this logical operation, reused by every retry of it. */
  idempotencyKey?: string;
}

/** The payment provider as the tools see it: typed calls through one resilient upstream. */
export interface Provider {
  readonly upstream: Upstream;
  call<S extends z.ZodType>(ctx: BaseContext, call: ProviderCall<S>): Promise<z.output<S>>;
}

/** Provider error codes (the `code` of its error body) that mean the caller's input is wrong. */
const INPUT_STATUSES = new Set([400, 422]);

/** Reads the provider's own error code out of its error body, and nothing else of it. */
function providerCode(failure: { status: number; body: string }): Record<string, unknown> | undefined {
  try {
    const parsed = JSON.parse(failure.body) as { code?: unknown };
    return typeof parsed.code === 'string' && /^[a-z_]{1,64}$/.test(parsed.code)
      ? { providerCode: parsed.code }
      : undefined;
  } catch {
    return undefined;
  }
}

/** Maps the upstream's `UPSTREAM_ERROR` for a 4xx onto what it means for the caller; the provider's message never passes. */
function mapProviderError(error: unknown, call: ProviderCall<z.ZodType>): never {
  if (!isMcpkitError(error) || error.code !== 'UPSTREAM_ERROR') throw error;
  const status = error.details?.status as number | undefined;
  // `exposeErrorBody` below puts what it picked of the body under `upstreamError`.
  const code = (error.details?.upstreamError as { providerCode?: string } | undefined)?.providerCode;
  const details = { status, ...(code ? { providerCode: code } : {}) };
  if (status === 404) {
    throw new McpkitError(
      'NOT_FOUND',
      `The provider has no such object (${call.path.split('/').slice(0, 3).join('/')}).`,
      {
        retryable: false,
        details,
        hint: 'Check the id; list the objects to find the right one.',
        cause: error,
      },
    );
  }
  if (status === 422 && code === 'idempotency_key_reused') {
    throw new McpkitError('CONFLICT', 'This idempotency key was already used for a different operation.', {
      retryable: false,
      details,
      hint: 'Use a new idempotencyKey for a new operation; reuse one only to retry the same operation.',
      cause: error,
    });
  }
  if (status !== undefined && INPUT_STATUSES.has(status)) {
    throw new McpkitError(
      'VALIDATION_FAILED',
      `The provider refused the request${code ? ` (${code})` : ''}.`,
      {
        retryable: false,
        details,
        hint: 'Change the arguments: the same request will be refused again.',
        cause: error,
      },
    );
  }
  if (status === 401 || status === 403) {
    throw new McpkitError('UPSTREAM_ERROR', 'The provider refused the server’s credentials.', {
      retryable: false,
      details,
      hint: 'The server’s PAYMENT_SECRET_KEY is wrong or revoked; an operator must fix it.',
      cause: error,
    });
  }
  throw error;
}

/**
 * The idempotency key sent to the provider for one logical operation. A caller's own key is
 * namespaced by caller and operation (two callers' `order-1` never collide); without one, a fresh key is
 * made for the call and reused by every retry the upstream makes of it.
 */
export function operationKey(
  ctx: ToolCallContext<unknown>,
  clientKey: string | undefined,
  operation: string = ctx.name,
): string {
  // Hex and UUIDs, not base64: a long mixed-case run would read as a secret to the redaction.
  if (clientKey === undefined) return `mcp_${randomUUID()}`;
  const caller = ctx.auth?.subject ?? 'anonymous';
  return `mcp_${createHash('sha256').update(`${caller}\n${operation}\n${clientKey}`).digest('hex').slice(0, 40)}`;
}

/**
 * Builds the provider client on `createUpstream()`: HTTP Basic with the secret key, per-attempt and
 * whole-call deadlines, retries (POSTs only with an idempotency key), a breaker, an outbound rate
 * limit, the request id and traceparent forwarded, and only the provider's error code ever exposed.
 */
export function createProvider(options: ProviderOptions): Provider {
  const upstream = createUpstream('payments', {
    baseUrl: options.apiUrl,
    auth: { type: 'basic', username: options.secretKey, password: '' },
    attemptTimeoutMs: 3_000,
    deadlineMs: 15_000,
    retry: { maxAttempts: 5, baseDelayMs: 20, maxDelayMs: 250 },
    breaker: { threshold: 0.5, durationMs: 30_000, minimumRps: 5, halfOpenAfterMs: 5_000 },
    upstreamRateLimit: { ratePerSecond: 500, burst: 100 },
    exposeErrorBody: providerCode,
    ...options.upstream,
  });
  return {
    upstream,
    async call(ctx, call) {
      try {
        return (
          await upstream.request(call.method, call.path, {
            ctx,
            schema: call.schema,
            ...(call.json === undefined ? {} : { json: call.json }),
            ...(call.query === undefined ? {} : { searchParams: call.query }),
            ...(call.idempotencyKey === undefined ? {} : { idempotencyKey: call.idempotencyKey }),
          })
        ).data as z.output<typeof call.schema>;
      } catch (error) {
        mapProviderError(error, call);
      }
    },
  };
}
