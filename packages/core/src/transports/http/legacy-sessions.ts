import { randomUUID } from 'node:crypto';
import type { Implementation } from '@modelcontextprotocol/server';
import type { ChangeEvent } from '../../engine/engine.js';
import type { LegacyState } from '../../protocol/legacy-state.js';
import { ProtocolError, RpcCode } from '../../protocol/rpc-error.js';
import type { SessionOptions } from './handler-options.js';
import { SessionAdmission, type SessionAdmissionOptions } from './session-admission.js';
import { ANONYMOUS_OWNER, type SessionCaller } from './session-caller.js';
import { createMemorySessionStore, type SessionRecord, type SessionStore } from './session-store.js';
import type { HttpSink } from './sink.js';

const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };

/**
 * Legacy-era sessions over HTTP: their records in a (possibly shared) store, and the standalone
 * GET streams of the sessions connected to this instance, which carry change notifications.
 * Every session belongs to the caller that created it: to anyone else it does not exist.
 */
export class LegacySessions {
  readonly #store: SessionStore;
  readonly #admission: SessionAdmission;
  readonly #streams = new Map<string, Set<HttpSink>>();
  /** The owner of each loaded state, so a write-back keeps it. */
  readonly #owners = new WeakMap<LegacyState, string>();

  /** The sessions an endpoint's `sessions` option asks for, or undefined when they are off. */
  static fromOption(option: boolean | SessionOptions | undefined): LegacySessions | undefined {
    if (!option) return undefined;
    const options = typeof option === 'object' ? option : {};
    return new LegacySessions(options.store, {
      maxPerCaller: options.maxNewPerCaller,
      windowMs: options.newSessionWindowMs,
    });
  }

  constructor(store: SessionStore | undefined, admission?: SessionAdmissionOptions) {
    this.#store = store ?? createMemorySessionStore();
    this.#admission = new SessionAdmission(admission);
  }

  /**
   * Opens a session for a client that just initialized; returns its id. Throws a coded, retryable
   * error when the caller opens sessions too fast or the store is full of active sessions.
   */
  async create(state: LegacyState, caller: SessionCaller): Promise<string> {
    if (caller.admissionKey !== undefined) this.#admission.admit(caller.admissionKey);
    const id = randomUUID();
    this.#owners.set(state, caller.owner);
    await this.save(id, state);
    return id;
  }

  /** The state of a live session of `owner`, or undefined when it expired, never existed or is someone else's. */
  async load(id: string, owner: string): Promise<LegacyState | undefined> {
    const record = await this.#store.get(id);
    if (!record || (record.owner ?? ANONYMOUS_OWNER) !== owner) return undefined;
    const state: LegacyState = {
      protocolVersion: record.protocolVersion,
      client: {
        info: record.clientInfo as Implementation | undefined,
        capabilities: record.clientCapabilities,
        described: true,
      },
      logLevel: record.logLevel,
      subscriptions: new Set(record.subscriptions),
    };
    this.#owners.set(state, owner);
    return state;
  }

  /**
   * The state of the session a legacy request names, or the refusal to answer it with: 400 without
   * an `Mcp-Session-Id`, 404 when the session expired, never existed or belongs to another caller.
   */
  async resume(id: string | undefined, owner: string): Promise<LegacyState | ProtocolError> {
    if (id === undefined) {
      return new ProtocolError(
        RpcCode.INVALID_REQUEST,
        'Bad Request: the Mcp-Session-Id header is required; call initialize first.',
        undefined,
        400,
      );
    }
    return (
      (await this.load(id, owner)) ??
      new ProtocolError(
        RpcCode.INVALID_REQUEST,
        'Session not found: it expired or was deleted; initialize a new one.',
        undefined,
        404,
      )
    );
  }

  /** Writes back what a request changed (log level, subscriptions). */
  async save(id: string, state: LegacyState): Promise<void> {
    await this.#store.set(id, {
      protocolVersion: state.protocolVersion,
      clientInfo: state.client.info as SessionRecord['clientInfo'],
      clientCapabilities: state.client.capabilities as Record<string, unknown>,
      logLevel: state.logLevel,
      subscriptions: [...state.subscriptions],
      owner: this.#owners.get(state),
    });
  }

  /** True when the session exists and belongs to `owner`. */
  async exists(id: string, owner: string): Promise<boolean> {
    const record = await this.#store.get(id);
    return record !== undefined && (record.owner ?? ANONYMOUS_OWNER) === owner;
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
