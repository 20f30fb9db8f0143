/** A progress notification the client received. */
export interface CapturedProgress {
  progress: number;
  total?: number;
  message?: string;
}

/** Per-call options of `TestClient.callTool`. */
export interface CallOptions {
  signal?: AbortSignal;
  /** Request timeout in milliseconds. Default: the SDK client's (60 000). */
  timeoutMs?: number;
  /** Receives progress notifications for this call. */
  onProgress?: (progress: CapturedProgress) => void;
  /** Extra `_meta` for the request. */
  meta?: Record<string, unknown>;
}
