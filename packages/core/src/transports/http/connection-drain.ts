import type { Server } from 'node:http';

/** How long answers already being written get before the last connections are closed anyway. */
const SETTLE_MS = 1_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The connections of one node:http server and its shutdown. A kept-alive connection is never
 * dropped while a client may be sending on it: once draining, every response says
 * `Connection: close` (the client will not reuse that connection and the server closes it after
 * the answer), and idle connections stay open a little longer so that a request already on its
 * way still reaches the server and gets its 503 — instead of a TCP reset that leaves the client
 * unable to tell whether its call ran.
 */
export class ConnectionDrain {
  /** True from the start of shutdown: responses from then on close their connection. */
  draining = false;
  readonly #http: Server;
  #open = 0;

  constructor(http: Server) {
    this.#http = http;
    // Counted per connection, not per request: the hot path pays nothing.
    http.on('connection', (socket) => {
      this.#open++;
      socket.once('close', () => this.#open--);
    });
  }

  /** Stops accepting connections, like `http.close()` but without dropping idle kept-alive ones. */
  stopListening(): Promise<void> {
    this.draining = true;
    const http = this.#http;
    const closed = new Promise<void>((resolve) => http.once('close', () => resolve()));
    // http.close() first closes idle connections, and a request in flight towards one of them
    // gets a reset. Everything else it does (stop listening, stop its timers) is wanted.
    http.closeIdleConnections = () => {};
    try {
      http.close();
    } finally {
      delete (http as { closeIdleConnections?: unknown }).closeIdleConnections;
    }
    return closed;
  }

  /**
   * Closes what is left once no request is in flight: waits up to `lingerMs` for clients to send a
   * last request (answered with `Connection: close`) or to close their idle connections, then closes
   * the idle ones, gives answers being written a moment, and closes the rest.
   */
  async close(lingerMs: number): Promise<void> {
    await this.#settle(lingerMs);
    this.#http.closeIdleConnections();
    await this.#settle(SETTLE_MS);
    this.#http.closeAllConnections();
  }

  async #settle(ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.#open > 0 && Date.now() < deadline) await sleep(5);
  }
}
