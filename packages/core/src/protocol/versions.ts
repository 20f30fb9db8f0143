/** The two families of protocol behaviour: `legacy` (initialize handshake) and `modern` (2026-07-28 and later). */
export type Era = 'legacy' | 'modern';

/** The modern protocol revisions this server speaks, newest first. */
export const MODERN_VERSIONS: readonly string[] = ['2026-07-28'];

/** The legacy protocol revisions this server speaks, newest first. */
export const LEGACY_VERSIONS: readonly string[] = [
  '2025-11-25',
  '2025-06-18',
  '2025-03-26',
  '2024-11-05',
  '2024-10-07',
];

/** Every protocol revision this server speaks, newest first. */
export const SUPPORTED_VERSIONS: readonly string[] = [...MODERN_VERSIONS, ...LEGACY_VERSIONS];

const modernSet = new Set(MODERN_VERSIONS);
const legacySet = new Set(LEGACY_VERSIONS);

/** True for a modern revision this server speaks. */
export function isModernVersion(version: string): boolean {
  return modernSet.has(version);
}

/** True for a legacy revision this server speaks. */
export function isLegacyVersion(version: string): boolean {
  return legacySet.has(version);
}

/** `_meta` keys of the modern per-request envelope and of result metadata. */
export const META = {
  protocolVersion: 'io.modelcontextprotocol/protocolVersion',
  clientInfo: 'io.modelcontextprotocol/clientInfo',
  clientCapabilities: 'io.modelcontextprotocol/clientCapabilities',
  logLevel: 'io.modelcontextprotocol/logLevel',
  serverInfo: 'io.modelcontextprotocol/serverInfo',
  subscriptionId: 'io.modelcontextprotocol/subscriptionId',
} as const;

/** MCP logging levels in increasing severity. */
export const LOGGING_LEVELS = [
  'debug',
  'info',
  'notice',
  'warning',
  'error',
  'critical',
  'alert',
  'emergency',
] as const;

/** An MCP logging level. */
export type LoggingLevel = (typeof LOGGING_LEVELS)[number];

const levelRank = new Map<string, number>(LOGGING_LEVELS.map((level, i) => [level, i]));

/** True when a message at `level` passes a client's `threshold`. */
export function levelPasses(level: LoggingLevel, threshold: LoggingLevel): boolean {
  return (levelRank.get(level) ?? 0) >= (levelRank.get(threshold) ?? 0);
}

/** True for a string that is an MCP logging level. */
export function isLoggingLevel(value: unknown): value is LoggingLevel {
  return typeof value === 'string' && levelRank.has(value);
}
