import { Cancellation } from '../engine/cancellation.js';
import type { ChangeEvent, Engine } from '../engine/engine.js';
import type { CallEnv, Exchange } from '../engine/exchange.js';
import type { Inflight } from '../engine/inflight.js';
import { assertSupportedVersion, claimsModern, readEnvelope } from '../protocol/envelope.js';
import { classify, type RpcRequest, type RpcResponse, rpcError, rpcErrorFrom } from '../protocol/jsonrpc.js';
import { initializedState, type LegacyState, undescribedState } from '../protocol/legacy-state.js';
import { ProtocolError, RpcCode } from '../protocol/rpc-error.js';
import { serveListen } from './listen.js';
import { PendingRequests } from './pending-requests.js';

/** Options of a message-stream connection (stdio, in-process). */
export interface ConnectionOptions {
  /** Read-only "headers" exposed on `ctx.headers` (on stdio: derived from the launch environment). */
  headers?: Readonly<Record<string, string | undefined>>;
}

const LIST_CHANGED: Record<'tools' | 'prompts' | 'resources', string> = {
  tools: 'notifications/tools/list_changed',
  prompts: 'notifications/prompts/list_changed',
  resources: 'notifications/resources/list_changed',
};

/**
 * One client on a message stream (stdio or in-process): every message of either era, the legacy
 * handshake and session state, cancellation, server→client requests and change notifications.
 */
export class StreamConnection {
  readonly #server: Engine;
  readonly #send: (message: object) => void;
  readonly #headers: Readonly<Record<string, string | undefined>>;
  readonly #pending = new PendingRequests();
  readonly #tracker: Inflight;
  readonly #inflight = new Map<string | number, Cancellation>();
  /** Requests the client cancelled: they get no response (the client stopped waiting). */
  readonly #cancelled = new Set<string | number>();
  #legacy: LegacyState | undefined;
  #initialized = false;
  #closed = false;
  readonly #unsubscribe: () => void;

  constructor(server: Engine, send: (message: object) => void, options: ConnectionOptions = {}) {
    this.#server = server;
    this.#send = send;
    this.#headers = options.headers ?? {};
    this.#tracker = server.openInflight();
    this.#unsubscribe = server.onChange((event) => this.#onChange(event));
  }

  #write(message: object): void {
    if (!this.#closed) this.#send(message);
  }

  /** Hands one parsed message to the connection. Never throws. */
  receive(value: unknown): void {
    let inbound: ReturnType<typeof classify>;
    try {
      inbound = classify(value);
    } catch (error) {
      const id = (value as { id?: unknown } | null)?.id;
      const safeId = typeof id === 'string' || typeof id === 'number' ? id : null;
      this.#write(rpcErrorFrom(safeId, error as ProtocolError));
      return;
    }
    if (inbound.kind === 'response') {
      this.#pending.settle(inbound.id, inbound.result, inbound.error);
      return;
    }
    if (inbound.kind === 'notification') {
      const { method, params } = inbound.message;
      if (method === 'notifications/initialized') this.#initialized = true;
      if (method === 'notifications/cancelled') {
        const id = (params as { requestId?: string | number } | undefined)?.requestId;
        const controller = id === undefined ? undefined : this.#inflight.get(id);
        if (controller && id !== undefined) {
          this.#cancelled.add(id);
          controller.abort(new Error('Cancelled by the client.'));
        }
      }
      return;
    }
    void this.#handle(inbound.message);
  }

  async #handle(request: RpcRequest): Promise<void> {
    if (this.#inflight.has(request.id)) {
      this.#write(
        rpcError(request.id, RpcCode.INVALID_REQUEST, `Request id ${String(request.id)} is already in use.`),
      );
      return;
    }
    if (this.#tracker.closing) {
      this.#write(rpcError(request.id, RpcCode.INTERNAL_ERROR, 'The server is shutting down.'));
      return;
    }
    const controller = new Cancellation();
    this.#inflight.set(request.id, controller);
    this.#tracker.add(controller);
    try {
      const response = await this.#respond(request, controller);
      if (response && !this.#cancelled.has(request.id)) this.#write(response);
    } finally {
      this.#tracker.delete(controller);
      this.#inflight.delete(request.id);
      this.#cancelled.delete(request.id);
    }
  }

  async #respond(request: RpcRequest, controller: Cancellation): Promise<RpcResponse | undefined> {
    const exchange: Exchange = {
      notify: (method, params) => this.#write({ jsonrpc: '2.0', method, params }),
      request: (method, params, signal) => {
        let opened: ReturnType<PendingRequests['open']>;
        try {
          opened = this.#pending.open(signal, method);
        } catch (error) {
          return Promise.reject(error);
        }
        this.#write({ jsonrpc: '2.0', id: opened.id, method, params });
        return opened.result;
      },
    };
    let env: CallEnv;
    if (claimsModern(request.params)) {
      let envelope: ReturnType<typeof readEnvelope>;
      try {
        envelope = readEnvelope(request.params);
        assertSupportedVersion(envelope);
      } catch (error) {
        return rpcErrorFrom(request.id, error as ProtocolError);
      }
      env = {
        era: 'modern',
        protocolVersion: envelope.protocolVersion,
        client: { info: envelope.clientInfo, capabilities: envelope.clientCapabilities, described: true },
        headers: this.#headers,
        requestId: this.#server.newRequestId(),
        cancellation: controller,
        exchange,
        logLevel: envelope.logLevel,
      };
      if (request.method === 'subscriptions/listen') {
        try {
          await serveListen(this.#server, request, env, (message) => this.#write(message), this.#tracker);
        } catch (error) {
          return rpcErrorFrom(request.id, error as ProtocolError);
        }
        return undefined;
      }
    } else {
      if (request.method === 'initialize') {
        const params = request.params ?? {};
        const result = this.#server.initializeResult(params.protocolVersion);
        this.#legacy = initializedState(params, result.protocolVersion as string);
        return { jsonrpc: '2.0', id: request.id, result };
      }
      const legacy = this.#legacy ?? undescribedState();
      this.#legacy = legacy;
      env = {
        era: 'legacy',
        protocolVersion: legacy.protocolVersion,
        client: legacy.client,
        headers: this.#headers,
        requestId: this.#server.newRequestId(),
        cancellation: controller,
        exchange,
        get logLevel() {
          return legacy.logLevel;
        },
      };
      return (await this.#server.handleRequest(request, env, legacy)).response;
    }
    return (await this.#server.handleRequest(request, env)).response;
  }

  #onChange(event: ChangeEvent): void {
    const legacy = this.#legacy;
    if (!legacy || !this.#initialized) return;
    if (event.kind === 'resource') {
      if (legacy.subscriptions.has(event.uri)) {
        this.#write({
          jsonrpc: '2.0',
          method: 'notifications/resources/updated',
          params: { uri: event.uri },
        });
      }
      return;
    }
    this.#write({ jsonrpc: '2.0', method: LIST_CHANGED[event.kind] });
  }

  /**
   * Stops taking requests, lets those in flight finish for up to `graceMs`, then aborts them.
   * Other connections of the same server are not affected.
   */
  drain(graceMs: number): Promise<void> {
    return this.#tracker.drain(graceMs);
  }

  /** Closes the connection: in-flight requests are aborted and pending server requests rejected. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe();
    for (const controller of this.#inflight.values()) controller.abort(new Error('The connection closed.'));
    this.#pending.rejectAll(new ProtocolError(RpcCode.INTERNAL_ERROR, 'The connection closed.'));
    this.#tracker.dispose();
  }
}
