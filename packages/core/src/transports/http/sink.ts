/** A response body: text, or pieces sent one after the other (large pre-encoded bytes are not copied). */
export type ResponseBody = string | readonly (string | Uint8Array)[];

/** Stateless between calls (no `stream` option), so one serves every body. */
const decoder = new TextDecoder();

/** `body` as one string (for an event stream's data, or a runtime that wants one piece). */
export function bodyText(body: ResponseBody): string {
  if (typeof body === 'string') return body;
  let text = '';
  for (const part of body) text += typeof part === 'string' ? part : decoder.decode(part);
  return text;
}

/** The response of JSON-RPC request `id` whose result is already serialized as `result`. */
export function responseWithResult(id: unknown, result: Uint8Array): ResponseBody {
  return [`{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":`, result, '}'];
}

/** The response side of one HTTP exchange, as the node:http and fetch adapters provide it. */
export interface HttpSink {
  /** Sends a complete response. The sink owns `headers` from then on (it may add `content-length`). */
  send(status: number, headers: Record<string, string>, body: ResponseBody): void;
  /** Starts a `text/event-stream` response. */
  startStream(headers: Record<string, string>): void;
  /** Writes a chunk of an open event stream. */
  write(chunk: string): void;
  /**
   * Ends an open event stream. `received`, when given, runs once the adapter knows the client read
   * the whole response: the node adapter calls it when the same connection carries the client's
   * next request; an adapter that cannot tell never calls it.
   */
  end(received?: () => void): void;
  /** False once the client went away or the response ended. */
  readonly open: boolean;
  /** Runs `listener` when the client disconnects before the response ended. */
  onClose(listener: () => void): void;
}

/** One inbound HTTP request, as the adapters hand it over. */
export interface HttpRequestInfo {
  method: string;
  /** Path without the query string. */
  path: string;
  /** Header values by lower-case name. */
  headers: Readonly<Record<string, string | undefined>>;
  /** The query string without `?`, when the adapter keeps it. */
  readonly query?: string;
  /** Address of the peer, when the adapter knows it. */
  readonly remoteAddress?: string | undefined;
  /** Reads the body as text; rejects with {@link BodyTooLargeError} past the limit. */
  readBody(limit: number): Promise<string>;
  /**
   * The body, when the adapter has already read it (the node adapter does, with plain callbacks,
   * which spares a promise per request); a {@link BodyTooLargeError} when it was over the limit.
   */
  readonly body?: string | BodyTooLargeError;
}

/** Thrown by `readBody` when the body is over the limit. */
export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
}
