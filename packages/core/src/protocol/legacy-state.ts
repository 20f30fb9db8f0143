import type { Implementation } from '@modelcontextprotocol/server';
import { LEGACY_VERSIONS, type LoggingLevel } from './versions.js';

/** Mutable per-connection state of a legacy-era client (a stdio connection or an HTTP session). */
export interface LegacyState {
  protocolVersion: string;
  client: { info: Implementation | undefined; capabilities: Record<string, unknown>; described: boolean };
  logLevel: LoggingLevel | undefined;
  subscriptions: Set<string>;
}

/** The state of a legacy client that described itself with `initialize`. */
export function initializedState(params: Record<string, unknown>, protocolVersion: string): LegacyState {
  return {
    protocolVersion,
    client: {
      info: params.clientInfo as Implementation | undefined,
      capabilities: (params.capabilities ?? {}) as Record<string, unknown>,
      described: true,
    },
    logLevel: undefined,
    subscriptions: new Set(),
  };
}

/** The state of a legacy request whose client never described itself (stateless HTTP, or no `initialize` yet). */
export function undescribedState(protocolVersion = LEGACY_VERSIONS[0] as string): LegacyState {
  return {
    protocolVersion,
    client: { info: undefined, capabilities: {}, described: false },
    logLevel: undefined,
    subscriptions: new Set(),
  };
}
