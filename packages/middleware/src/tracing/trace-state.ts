import type { Span } from '@opentelemetry/api';

declare module '@mcpkit/core' {
  interface ContextState {
    /** The request's server span, set by `tracing()` for handlers that add events or child spans. */
    span: Span;
    /** Trace id of the request (32 hex), set by `tracing()` and written on log lines by `logging()`. */
    traceId: string;
  }
}
