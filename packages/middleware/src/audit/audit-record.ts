/** One audit record: what one `tools/call` did, who asked, and how it ended. */
export interface AuditRecord {
  /** When the call started, ISO 8601. */
  time: string;
  /** Correlation id of the request. */
  requestId: string;
  /** `ctx.auth.subject` of the caller, or null for anonymous calls. */
  caller: string | null;
  /** OAuth client id of the caller, when known. */
  clientId?: string;
  /** The tool called. */
  tool: string;
  /** `ok`, `error`, or `input_required` (a modern-era call paused for user input). */
  outcome: 'ok' | 'error' | 'input_required';
  /** mcpkit error code (or JSON-RPC code) when the call failed. */
  errorCode?: string;
  /** Time spent inside the audit layer, in milliseconds. */
  durationMs: number;
  /** Arguments with secrets redacted (`args: 'redact'`). */
  args?: unknown;
  /** SHA-256 (HMAC when a key is set) of the JSON arguments (`args: 'hash'`), hex. */
  argsHash?: string;
  /** What the `fields` option added for this call, redacted. */
  fields?: Record<string, unknown>;
}

/**
 * Where audit records go. `write` receives batches; it may be slow, it never delays a tool call.
 * A sink with `encode` receives what `encode` made of each record (`T`) instead of the records.
 */
export interface AuditSink<T = AuditRecord> {
  /**
   * Turns a record into what `write` receives, as soon as its call ends. Records wait in the
   * buffer in this form: a line of text, or a byte count of data the sink keeps itself (as
   * `createJsonlFileSink()` does), is far cheaper to hold on a busy server than the record and everything
   * it references. `write` gets the encoded values in the order `encode` made them, each once;
   * records dropped from a full buffer are dropped before they are encoded. It runs on the request
   * path, so keep it fast; a throw loses that record (logged and counted in `failed`). Default:
   * records are buffered as they are.
   */
  encode?(record: AuditRecord): T;
  /** Persists one batch, in order. A rejection is logged and the batch counted as failed. */
  write(batch: readonly T[]): void | Promise<void>;
  /** Releases resources (file handles, connections) after the last batch. */
  close?(): void | Promise<void>;
}

/** A sink given as a plain function of a batch. */
export type AuditSinkFunction = (batch: readonly AuditRecord[]) => void | Promise<void>;
