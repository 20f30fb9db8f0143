import { randomUUID } from 'node:crypto';
import type { Implementation } from '@modelcontextprotocol/server';
import type { LegacyState } from '../legacy-state.js';
import type { ChangeEvent } from '../server.js';
import { createMemorySessionStore, type SessionRecord, type SessionStore } from './session-store.js';
import type { HttpSink } from './sink.js';

const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };

/**
 * Legacy-era sessions over HTTP: their records in a (possibly shared) store, and the standalone
 * GET streams of the sessions connected to this instance, which carry change notifications.
 */
export class LegacySessions {
  readonly #store: SessionStore;
  readonly #streams = new Map<string, Set<HttpSink>>();

  constructor(store: SessionStore | undefined) {
    this.#store = store ?? createMemorySessionStore();
  }

  /** Opens a session for a client that just initialized; returns its id. */
  async create(state: LegacyState): Promise<string> {
    const id = randomUUID();
    await this.save(id, state);
    return id;
  }

  /** The state of a live session, or undefined when it expired or never existed. */
  async load(id: string): Promise<LegacyState | undefined> {
    const record = await this.#store.get(id);
    if (!record) return undefined;
    return {
      protocolVersion: record.protocolVersion,
      client: {
        info: record.clientInfo as Implementation | undefined,
        capabilities: record.clientCapabilities,
        described: true,
      },
      logLevel: record.logLevel,
      subscriptions: new Set(record.subscriptions),
    };
  }

  /** Writes back what a request changed (log level, subscriptions). */
  async save(id: string, state: LegacyState): Promise<void> {
    await this.#store.set(id, {
      protocolVersion: state.protocolVersion,
      clientInfo: state.client.info as SessionRecord['clientInfo'],
      clientCapabilities: state.client.capabilities as Record<string, unknown>,
      logLevel: state.logLevel,
      subscriptions: [...state.subscriptions],
    });
  }

  /** True when the session exists. */
  async exists(id: string): Promise<boolean> {
    return (await this.#store.get(id)) !== undefined;
  }

  /** Ends a session and closes its streams on this instance. */
  async end(id: string): Promise<void> {
    await this.#store.delete(id);
    for (const sink of this.#streams.get(id) ?? []) if (sink.open) sink.end();
    this.#streams.delete(id);
  }

  /** Keeps `sink` open as the session's standalone stream until the client leaves. */
  attachStream(id: string, sink: HttpSink): void {
    sink.startStream({ ...SSE_HEADERS, 'mcp-session-id': id });
    const sinks = this.#streams.get(id) ?? new Set<HttpSink>();
    sinks.add(sink);
    this.#streams.set(id, sinks);
    sink.onClose(() => {
      sinks.delete(sink);
      if (sinks.size === 0) this.#streams.delete(id);
    });
  }

  /** Sends a change to the standalone streams of the sessions that want it. */
  async broadcast(event: ChangeEvent): Promise<void> {
    for (const [id, sinks] of this.#streams) {
      let message: object;
      if (event.kind === 'resource') {
        const record = await this.#store.get(id);
        if (!record?.subscriptions.includes(event.uri)) continue;
        message = { jsonrpc: '2.0', method: 'notifications/resources/updated', params: { uri: event.uri } };
      } else {
        message = { jsonrpc: '2.0', method: `notifications/${event.kind}/list_changed` };
      }
      const chunk = `data: ${JSON.stringify(message)}\n\n`;
      for (const sink of sinks) if (sink.open) sink.write(chunk);
    }
  }
}
