import type { SpanContext } from '@opentelemetry/api';

// `TraceFlags.SAMPLED` of the W3C spec; a literal so that logging() (which reads trace ids too) does
// not load the optional @opentelemetry/api.
const SAMPLED = 0x1;

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const INVALID_TRACE = '00000000000000000000000000000000';
const INVALID_SPAN = '0000000000000000';

/**
 * Parses a W3C `traceparent` value (version 00, or a later version's first four fields) into a
 * remote span context; undefined when it is malformed or all-zero. Parsed here rather than through
 * `propagation` because no global propagator is registered unless the user installs an SDK.
 */
export function parseTraceparent(value: unknown): SpanContext | undefined {
  if (typeof value !== 'string' || value.length < 55) return undefined;
  const match = TRACEPARENT.exec(value.trim());
  if (!match) return undefined;
  const [, version, traceId, spanId, flags, rest] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string?,
  ];
  // Version ff is forbidden; version 00 has exactly four fields.
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (traceId === INVALID_TRACE || spanId === INVALID_SPAN) return undefined;
  return {
    traceId,
    spanId,
    traceFlags: Number.parseInt(flags, 16) & SAMPLED,
    isRemote: true,
  };
}

/** Extracts the trace id of a `traceparent` value, or undefined when it is not valid. */
export function traceIdOf(value: unknown): string | undefined {
  return parseTraceparent(value)?.traceId;
}
