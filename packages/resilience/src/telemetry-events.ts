// Events this package adds to core's channel (core already defines attempt/retry/giveup,
// breaker state changes, bulkhead rejections and rate-limit waits).
declare module '@mcpkit/core' {
  interface TelemetryEvents {
    /** An upstream attempt got an HTTP response (any status). */
    'upstream.response': {
      upstream: string;
      attempt: number;
      method: string;
      path: string;
      status: number;
      durationMs: number;
    };
  }
}

export {};
