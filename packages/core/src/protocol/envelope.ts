import type { ClientCapabilities, Implementation } from '@modelcontextprotocol/server';
import { ProtocolError, RpcCode } from './rpc-error.js';
import { isLoggingLevel, isModernVersion, type LoggingLevel, META, SUPPORTED_VERSIONS } from './versions.js';

/** The per-request `_meta` envelope of the modern era, validated. */
export interface Envelope {
  protocolVersion: string;
  clientInfo: Implementation | undefined;
  clientCapabilities: ClientCapabilities;
  logLevel: LoggingLevel | null;
}

/** True when a message claims the modern era (its `_meta` names a protocol version). */
export function claimsModern(params: Record<string, unknown> | undefined): boolean {
  const meta = params?._meta;
  return typeof meta === 'object' && meta !== null && META.protocolVersion in meta;
}

function invalid(message: string): ProtocolError {
  return new ProtocolError(RpcCode.INVALID_PARAMS, message, undefined, 400);
}

/** Unsupported-version error listing what the server speaks (`-32022`, HTTP 400). */
export function unsupportedVersion(requested: unknown): ProtocolError {
  return new ProtocolError(
    RpcCode.UNSUPPORTED_PROTOCOL_VERSION,
    `Unsupported protocol version: ${String(requested)}`,
    { supported: [...SUPPORTED_VERSIONS], requested },
    400,
  );
}

/**
 * Reads the modern envelope of a request. Missing or malformed members are `-32602` (HTTP 400).
 * The version is not judged here: see {@link assertSupportedVersion}.
 */
export function readEnvelope(params: Record<string, unknown> | undefined): Envelope {
  const meta = params?._meta;
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) {
    throw invalid(
      `Invalid params: the request must carry a "_meta" envelope with "${META.protocolVersion}".`,
    );
  }
  const m = meta as Record<string, unknown>;
  const version = m[META.protocolVersion];
  if (typeof version !== 'string' || version.length === 0) {
    throw invalid(`Invalid params: "_meta" must name the protocol version in "${META.protocolVersion}".`);
  }
  const capabilities = m[META.clientCapabilities];
  if (typeof capabilities !== 'object' || capabilities === null || Array.isArray(capabilities)) {
    throw invalid(
      `Invalid params: "_meta" must carry the client capabilities in "${META.clientCapabilities}".`,
    );
  }
  const info = m[META.clientInfo];
  if (info !== undefined && (typeof info !== 'object' || info === null || Array.isArray(info))) {
    throw invalid(`Invalid params: "${META.clientInfo}" must be an object with name and version.`);
  }
  const level = m[META.logLevel];
  if (level !== undefined && !isLoggingLevel(level)) {
    throw invalid(`Invalid params: "${META.logLevel}" must be a logging level.`);
  }
  return {
    protocolVersion: version,
    clientInfo: typeof info === 'object' && info !== null ? (info as Implementation) : undefined,
    clientCapabilities: capabilities as ClientCapabilities,
    logLevel: level ?? null,
  };
}

/** Refuses a protocol version this server does not speak (`-32022`, HTTP 400, listing the supported ones). */
export function assertSupportedVersion(envelope: Envelope): void {
  if (!isModernVersion(envelope.protocolVersion)) throw unsupportedVersion(envelope.protocolVersion);
}
