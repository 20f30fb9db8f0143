import type { Era } from '../protocol/versions.js';

/** Outcome of a finished request as seen by telemetry consumers. */
export type RequestOutcome = 'ok' | 'error';

/**
 * The events any mcpkit package may emit and any package may consume. Packages with events of
 * their own add them through declaration merging on this interface.
 */
export interface TelemetryEvents {
  'request.start': { requestId: string; method: string; name?: string; era: Era };
  'request.end': {
    requestId: string;
    method: string;
    name?: string;
    era: Era;
    durationMs: number;
    outcome: RequestOutcome;
    errorCode?: string;
  };
  /** A whole HTTP request was refused before dispatch: by an edge guard (401, 403, 429 …), the host check (403), the body limit (413) or draining (503). */
  'edge.refused': {
    requestId: string;
    status: number;
    errorCode: string;
    /** Why, in words (the refusal's message). */
    reason?: string;
    /** The caller's trace id, from its `traceparent` header. */
    traceId?: string;
    rpcMethod?: string;
    rpcName?: string;
  };
  /** A `tools/call` became a task (the Tasks extension); its handler now runs detached from the request. */
  'task.created': { taskId: string; tool: string; requestId: string };
  /** A task finished with a result (an `isError` tool result included). */
  'task.completed': { taskId: string; tool: string; durationMs: number };
  /** A task ended with a JSON-RPC error, or was failed by a shutdown. */
  'task.failed': { taskId: string; tool: string; durationMs: number };
  /** A task was cancelled by its client. */
  'task.cancelled': { taskId: string; tool: string; durationMs: number };
  'cache.hit': { tool?: string; key: string; layer: 'l1' | 'l2' };
  'cache.miss': { tool?: string; key: string };
  'cache.stale': { tool?: string; key: string };
  'cache.coalesced': { tool?: string; key: string };
  'cache.invalidated': { tags: readonly string[] };
  'cache.error': { operation: string; error: unknown };
  'upstream.attempt': { upstream: string; attempt: number; method: string; path: string };
  'upstream.retry': { upstream: string; attempt: number; delayMs: number; reason: string };
  'upstream.giveup': { upstream: string; attempts: number; errorCode: string };
  'breaker.open': { name: string };
  'breaker.halfOpen': { name: string };
  'breaker.close': { name: string };
  'bulkhead.rejected': { name: string };
  'ratelimit.rejected': { key: string; retryAfterMs: number };
  'ratelimit.wait': { name: string; waitMs: number };
}

/** Name of a telemetry event. */
export type TelemetryEventName = keyof TelemetryEvents;

/** A listener for one event type. */
export type TelemetryListener<K extends TelemetryEventName> = (event: TelemetryEvents[K]) => void;

/** A small, typed event channel. Emitting with no listener costs one property lookup. */
export interface Telemetry {
  /** Publishes an event to every listener of its name; a throwing listener never breaks the emitter. */
  emit<K extends TelemetryEventName>(name: K, event: TelemetryEvents[K]): void;
  /** Subscribes to one event name; returns a function that unsubscribes. */
  on<K extends TelemetryEventName>(name: K, listener: TelemetryListener<K>): () => void;
  /** True when anyone listens for `name`, so emitters can skip building costly payloads. */
  has(name: TelemetryEventName): boolean;
}

/** Creates an isolated telemetry channel (each server gets its own unless one is passed in). */
export function createTelemetry(onListenerError?: (error: unknown, name: string) => void): Telemetry {
  const listeners: { [K in TelemetryEventName]?: TelemetryListener<K>[] } = {};
  return {
    emit(name, event) {
      const list = listeners[name];
      if (list === undefined) return;
      for (const listener of list) {
        try {
          listener(event);
        } catch (error) {
          onListenerError?.(error, name);
        }
      }
    },
    on(name, listener) {
      // Copy-on-write keeps emit allocation-free and safe against unsubscribing mid-emit.
      const current = (listeners[name] ?? []) as TelemetryListener<typeof name>[];
      (listeners as Record<string, unknown>)[name] = [...current, listener];
      let subscribed = true;
      return () => {
        if (!subscribed) return;
        subscribed = false;
        const list = [...((listeners[name] ?? []) as TelemetryListener<typeof name>[])];
        // Remove this subscription only, even when the same function is subscribed twice.
        const at = list.lastIndexOf(listener);
        if (at !== -1) list.splice(at, 1);
        if (list.length === 0) delete listeners[name];
        else (listeners as Record<string, unknown>)[name] = list;
      };
    },
    has(name) {
      return listeners[name] !== undefined;
    },
  };
}
