/** Turns cache entries into bytes for a shared store and back. */
export interface Serializer {
  /** Encodes a value to bytes. */
  encode(value: unknown): Buffer;
  /** Decodes bytes produced by `encode`. */
  decode(bytes: Buffer): unknown;
}

/** Marks a byte string; user keys that start with `$` are escaped by doubling it, so this key is ours alone. */
const BYTES = '$b';

function toWire(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (ArrayBuffer.isView(value)) {
    const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    return { [BYTES]: Buffer.from(bytes).toString('base64') };
  }
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return toWire(toJSON.call(value));
  if (Array.isArray(value)) return value.map(toWire);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    if (item === undefined) continue;
    out[key.startsWith('$') ? '$' + key : key] = toWire(item);
  }
  return out;
}

function fromWire(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length === 1 && keys[0] === BYTES && typeof record[BYTES] === 'string') {
    return Buffer.from(record[BYTES], 'base64');
  }
  if (!keys.some((key) => key.startsWith('$'))) return value;
  const out: Record<string, unknown> = {};
  for (const key of keys) out[key.startsWith('$$') ? key.slice(1) : key] = record[key];
  return out;
}

/**
 * The default serializer: JSON (readable with redis-cli, stable across Node versions), extended so
 * `Buffer`/`Uint8Array` values come back as bytes (a `Buffer`) instead of `{"0":…}` objects.
 * Dates become ISO strings, as with JSON; `undefined` properties are dropped.
 */
export const jsonSerializer: Serializer = {
  encode(value) {
    return Buffer.from(JSON.stringify(toWire(value)) ?? 'null', 'utf8');
  },
  decode(bytes) {
    return JSON.parse(bytes.toString('utf8'), fromWire);
  },
};
