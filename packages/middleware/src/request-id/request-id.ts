import type { EdgeDecision, EdgeGuard, Plugin, ServerBuilder } from '@mcpkit/core';

/** Options of {@link requestId}. */
export interface RequestIdOptions {
  /** Header that carries the id in and out (case-insensitive). Default: `x-request-id`. */
  header?: string;
  /** Longest incoming id accepted; longer ones are replaced. Default: 128. */
  maxLength?: number;
  /** Characters an incoming id may use; anything else is replaced. Default: `/^[A-Za-z0-9._:-]+$/`. */
  pattern?: RegExp;
  /** Whether a valid incoming id is kept. Set false when callers are untrusted. Default: true. */
  trustIncoming?: boolean;
  /**
   * Makes a new id when none (or an invalid one) arrives. Default: core's own ids, a random
   * per-process prefix and a counter (e.g. `nnxcIYZq-1k`): unique across processes, short and
   * cheap. Pass `crypto.randomUUID` for UUIDs.
   */
  generate?: () => string;
}

// The characters core itself accepts in an incoming X-Request-Id (with the same 128-character limit).
const DEFAULT_PATTERN = /^[A-Za-z0-9._:-]+$/;

/**
 * Correlation ids at the HTTP edge: keeps a valid incoming `X-Request-Id` (length and charset
 * checked) or makes one, hands it to core as the request's `ctx.requestId` (so logs, error
 * payloads and upstream calls carry it) and echoes it on the response under the configured header.
 * On stdio and in process there is no edge; core's own generated ids apply.
 *
 * With every option at its default this is exactly what core already does at the edge (same
 * header, length limit and characters, same generated ids), so the plugin installs nothing and
 * costs nothing; any option set installs a guard that applies it.
 */
export function requestId(options: RequestIdOptions = {}): Plugin {
  const header = (options.header ?? 'x-request-id').toLowerCase();
  const maxLength = options.maxLength ?? 128;
  const pattern = options.pattern ?? DEFAULT_PATTERN;
  const trust = options.trustIncoming ?? true;
  const generate = options.generate;
  const custom = header !== 'x-request-id';
  const asCore =
    !custom && maxLength === 128 && pattern === DEFAULT_PATTERN && trust && generate === undefined;

  const accept = (given: string | undefined): string | undefined =>
    trust && given !== undefined && given.length > 0 && given.length <= maxLength && pattern.test(given)
      ? given
      : undefined;

  const guard: EdgeGuard = (req): EdgeDecision => {
    const id = accept(req.headers[header]) ?? (generate === undefined ? req.newRequestId() : generate());
    // Core always echoes `x-request-id`; a custom header name is added beside it.
    return custom ? { requestId: id, headers: { [header]: id } } : { requestId: id };
  };

  return {
    name: 'requestId',
    install(builder: ServerBuilder) {
      if (!asCore) builder.guard(guard);
    },
  };
}
