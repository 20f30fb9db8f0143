import type { JSONRPCMessage, Transport } from '@modelcontextprotocol/server';
import type { Engine } from '../engine/engine.js';
import { StreamConnection } from './connection.js';

/** Copies a message the way the wire would (drops `undefined`, breaks shared references). */
function wire<T>(message: T): T {
  return JSON.parse(JSON.stringify(message)) as T;
}

/**
 * A client transport wired straight into a server's message-stream connection, in the same
 * process. Messages are copied as JSON and delivered asynchronously, in order, as on a real wire.
 */
export class InProcessTransport implements Transport {
  onmessage?: (message: JSONRPCMessage) => void;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  #connection: StreamConnection | undefined;
  #closed = false;

  constructor(
    private readonly server: Engine,
    private readonly headers: Readonly<Record<string, string>> = {},
  ) {}

  async start(): Promise<void> {
    this.#connection = new StreamConnection(
      this.server,
      (message) => {
        const copy = wire(message) as JSONRPCMessage;
        // A macrotask per message keeps the order and lets the client run notification handlers
        // before it sees the response that follows them.
        setImmediate(() => {
          if (!this.#closed) this.onmessage?.(copy);
        });
      },
      { headers: Object.fromEntries(Object.entries(this.headers).map(([k, v]) => [k.toLowerCase(), v])) },
    );
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.#closed || !this.#connection) throw new Error('The in-process transport is closed.');
    const copy = wire(message);
    const connection = this.#connection;
    queueMicrotask(() => connection.receive(copy));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#connection?.close();
    this.onclose?.();
  }
}
