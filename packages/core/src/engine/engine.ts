import type { Implementation, ServerCapabilities } from '@modelcontextprotocol/server';
import type { Logger } from '../observability/logger.js';
import type { Telemetry } from '../observability/telemetry.js';
import type { RpcRequest, RpcResponse } from '../protocol/jsonrpc.js';
import type { LegacyState } from '../protocol/legacy-state.js';
import type { AuthIdentity } from './context.js';
import type { EdgeGuard, RouteHandler } from './edge.js';
import type { CallEnv } from './exchange.js';
import type { HealthReport } from './health.js';
import type { Inflight } from './inflight.js';
import type { Registry } from './registry.js';

/** A change the server announces to listening clients. */
export type ChangeEvent = { kind: 'tools' | 'prompts' | 'resources' } | { kind: 'resource'; uri: string };

/** What a handled request produced: the response and the HTTP status an HTTP edge should use. */
export interface Outcome {
  response: RpcResponse;
  status: number;
  /**
   * The result already serialized as UTF-8, when it is a shared result (a list): a transport may
   * send `{"jsonrpc":"2.0","id":…,"result":` + these bytes + `}` instead of serializing `response`.
   */
  resultBytes?: Uint8Array;
}

/**
 * What a transport needs of a server, and all it may use: handle a message, answer the
 * handshakes, follow changes and shutdown, and reach the logger and telemetry. Transports
 * (stdio, Streamable HTTP, in-process streams) are written against this interface only, so a
 * transport can change without reaching the engine, and a new one needs nothing else.
 */
export interface Engine {
  readonly info: Implementation;
  readonly capabilities: ServerCapabilities;
  readonly logger: Logger;
  readonly telemetry: Telemetry;
  /** The frozen registry (the HTTP edge reads tool listings for header checks). */
  readonly registry: Registry;
  /** Edge guards run by the HTTP endpoints, in registration order. */
  readonly guards: readonly EdgeGuard[];
  /** Extra HTTP routes by path. */
  readonly routes: ReadonlyMap<string, RouteHandler>;
  /** Whether the server is draining for shutdown (new requests are refused on every transport). */
  readonly closing: boolean;
  /** Number of requests in flight on every transport. */
  readonly inflight: number;
  /**
   * Handles one request under the given call environment. Never throws: every failure becomes a
   * JSON-RPC error (protocol failures) or an `isError` result (tool failures).
   */
  handleRequest(request: RpcRequest, env: CallEnv, legacy?: LegacyState): Promise<Outcome>;
  /** The `initialize` result for a legacy client asking for `requested`. */
  initializeResult(requested: unknown): Record<string, unknown>;
  /** The `server/discover` result. */
  discoverResult(): Record<string, unknown>;
  /** Runs the tasks registered with `onDrained`, each bounded by `graceMs` (transports call it after draining). */
  runDrainedTasks(graceMs: number): Promise<void>;
  /** Runs the registered readiness checks. */
  checkHealth(): Promise<HealthReport>;
  /** Subscribes to change events (list changes, resource updates); returns an unsubscribe function. */
  onChange(listener: (event: ChangeEvent) => void): () => void;
  /**
   * Follows the status of the listed tasks that belong to `auth`'s owner (the Tasks extension's
   * status notifications): `listener` gets each change as the `tasks/get` body would show it.
   * Returns the unsubscribe function; does nothing on a server without tasks.
   */
  watchTasks(
    taskIds: ReadonlySet<string>,
    auth: AuthIdentity | undefined,
    listener: (task: Record<string, unknown>) => void,
  ): () => void;
  /** Runs `listener` once when a server-wide shutdown starts; returns an unsubscribe function. */
  onShutdown(listener: () => void): () => void;
  /** A tracker for one transport: it counts into the server's and closes with it (or on its own). */
  openInflight(): Inflight;
  /** Server-wide shutdown: stop taking requests, give in-flight ones up to `graceMs`, then abort them. */
  drain(graceMs: number): Promise<void>;
  /** A new correlation id. */
  newRequestId(): string;
}
