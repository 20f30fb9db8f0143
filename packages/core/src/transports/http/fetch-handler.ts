import type { Engine } from '../../engine/engine.js';
import type { HttpHandlerOptions } from './handler-options.js';
import type { HttpCallUsage } from './http-calls.js';
import { McpHttpHandler } from './mcp-handler.js';
import { BodyTooLargeError, bodyText, type HttpSink } from './sink.js';

/**
 * A web-standard handler; `drain(ms)` refuses new requests, waits for those in flight (bounded),
 * then runs the server's `onDrained` tasks (each bounded by `ms` too).
 */
export type FetchHandler = ((request: Request) => Promise<Response>) & {
  drain(graceMs: number): Promise<void>;
  /** What the endpoint holds now (calls, detached streams, pending client requests, open streams). */
  usage(): HttpCallUsage;
};

/** Options of `.fetchHandler()`: the HTTP options, minus what only a listening server can do. */
export type FetchHandlerOptions = HttpHandlerOptions;

async function readLimited(request: Request, limit: number): Promise<string> {
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) throw new BodyTooLargeError();
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new BodyTooLargeError();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A web-standard `fetch(Request) → Response` handler for any runtime with the Fetch API. */
export function createFetchHandler(server: Engine, options: FetchHandlerOptions = {}): FetchHandler {
  const handler = new McpHttpHandler(server, options);
  const encoder = new TextEncoder();
  const fetch = (request: Request) =>
    new Promise<Response>((resolve) => {
      const url = new URL(request.url);
      const headers: Record<string, string> = {};
      request.headers.forEach((value, key) => {
        headers[key] = value;
      });
      if (headers.host === undefined) headers.host = url.host;
      let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
      let open = true;
      const closeListeners: Array<() => void> = [];
      const disconnect = () => {
        if (!open) return;
        open = false;
        for (const listener of closeListeners) listener();
      };
      request.signal?.addEventListener('abort', disconnect, { once: true });
      const sink: HttpSink = {
        send(status, responseHeaders, body) {
          open = false;
          resolve(
            new Response(status === 202 || body === '' ? null : bodyText(body), {
              status,
              headers: responseHeaders,
            }),
          );
        },
        startStream(responseHeaders) {
          const stream = new ReadableStream<Uint8Array>({
            start(c) {
              controller = c;
            },
            cancel() {
              disconnect();
            },
          });
          resolve(new Response(stream, { status: 200, headers: responseHeaders }));
        },
        write(chunk) {
          if (open) controller?.enqueue(encoder.encode(chunk));
        },
        // The runtime reads the body at its own pace: whether it reached the client is never known.
        end() {
          if (!open) return;
          open = false;
          controller?.close();
        },
        get open() {
          return open;
        },
        onClose(listener) {
          closeListeners.push(listener);
        },
      };
      void handler.handle(
        {
          method: request.method,
          path: url.pathname,
          query: url.search.slice(1),
          headers,
          readBody: (limit) => readLimited(request, limit),
        },
        sink,
      );
    });
  return Object.assign(fetch, {
    drain: async (graceMs: number) => {
      await handler.drain(graceMs);
      await server.runDrainedTasks(graceMs);
    },
    usage: () => handler.usage(),
  });
}
