/**
 * Bounds on what one HTTP endpoint holds for callers that keep streams open or walk away from
 * calls. Every bound has a default, so an endpoint is bounded without configuration.
 */
export interface StreamLimits {
  /**
   * Long-lived streams (`subscriptions/listen`, the legacy standalone `GET` stream, a resumed
   * `GET` with `Last-Event-ID`) open at once on this endpoint; more are refused with 503 and
   * `Retry-After`. Keep it well below the process's file-descriptor limit. Default: 1 000.
   */
  maxStreams?: number;
  /**
   * Long-lived streams one caller (verified subject, else client address) may hold at once; more
   * are refused with 429 and `Retry-After`. Default: 100.
   */
  maxStreamsPerCaller?: number;
  /**
   * How long a resumable legacy call whose client disconnected keeps running, waiting for the
   * client to resume with `Last-Event-ID`, in milliseconds; then its `ctx.signal` aborts with a
   * retryable `UPSTREAM_TIMEOUT`. Default: 30 000.
   */
  reconnectWindowMs?: number;
  /** Detached calls (client gone, window running) per legacy session; past it the session's oldest is cancelled. Default: 20. */
  maxDetachedPerSession?: number;
  /** Detached calls per caller (subject, else client address); past it the caller's oldest is cancelled. Default: 100. */
  maxDetachedPerCaller?: number;
  /** Detached calls on the endpoint; a call that detaches past it is cancelled at once. Default: 1 000. */
  maxDetached?: number;
  /**
   * How long a client gets to answer a server→client request (elicitation, sampling, roots) sent
   * on a call's stream, in milliseconds; then the ask rejects with a retryable `UPSTREAM_TIMEOUT`.
   * Default: 60 000.
   */
  clientRequestTimeoutMs?: number;
  /** Server→client requests awaiting an answer on the endpoint; more are refused with a retryable `UPSTREAM_UNAVAILABLE`. Default: 10 000. */
  maxPendingClientRequests?: number;
}

/** {@link StreamLimits} with every default filled in. */
export type ResolvedStreamLimits = Required<StreamLimits>;

/** Fills in the defaults of {@link StreamLimits}. */
export function resolveStreamLimits(limits: StreamLimits = {}): ResolvedStreamLimits {
  return {
    maxStreams: limits.maxStreams ?? 1_000,
    maxStreamsPerCaller: limits.maxStreamsPerCaller ?? 100,
    reconnectWindowMs: limits.reconnectWindowMs ?? 30_000,
    maxDetachedPerSession: limits.maxDetachedPerSession ?? 20,
    maxDetachedPerCaller: limits.maxDetachedPerCaller ?? 100,
    maxDetached: limits.maxDetached ?? 1_000,
    clientRequestTimeoutMs: limits.clientRequestTimeoutMs ?? 60_000,
    maxPendingClientRequests: limits.maxPendingClientRequests ?? 10_000,
  };
}
