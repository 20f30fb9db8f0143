import { McpkitError } from '@mcpkit/core';

/**
 * Encodes a value into a string that is equal for equal values and different for different ones:
 * object keys are sorted (so `{a:1,b:2}` and `{b:2,a:1}` match), while types are kept apart
 * (`1`, `"1"`, `1n`, a Date and its ISO string all differ). Strings are always quoted, so a tagged
 * form (`D…`, `B…`, `M{…}`) can never collide with user data. Absent and `undefined` properties
 * encode the same, as they do after validation.
 */
export function canonicalKey(value: unknown): string {
  // Tool arguments are nearly always one plain object of primitives: encoded in one pass, with no
  // cycle bookkeeping (a flat object cannot contain itself). Anything else takes the general path.
  if (typeof value === 'object' && value !== null) {
    const flat = encodeFlat(value);
    if (flat !== undefined) return flat;
  }
  return encode(value, []);
}

function encodePrimitive(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      // String() is exact and deterministic for every double; -0 folds into 0 like JSON does.
      return value === 0 ? 'n0' : 'n' + String(value);
    case 'boolean':
      return value ? 't' : 'f';
    case 'bigint':
      return 'i' + value.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return 'u';
  }
  return value === null ? 'null' : undefined;
}

function isPlainObject(object: object): boolean {
  const proto = Object.getPrototypeOf(object);
  return (proto === Object.prototype || proto === null) && !Array.isArray(object);
}

/**
 * How the last flat object's keys were laid out: its keys in their own order, and the same keys
 * sorted and quoted. Calls of one tool pass objects of one shape (validation builds them in schema
 * order), so the sort and the quoting are done once per shape, not per call.
 */
let lastKeys: readonly string[] = [];
let lastSorted: readonly string[] = [];
let lastQuoted: readonly string[] = [];

function sameKeys(keys: readonly string[], known: readonly string[]): boolean {
  if (keys.length !== known.length) return false;
  for (let i = 0; i < keys.length; i++) if (keys[i] !== known[i]) return false;
  return true;
}

/** The plain-object case of {@link encodeObject} when every value is a primitive; undefined otherwise. */
function encodeFlat(object: object): string | undefined {
  if (!isPlainObject(object)) return undefined;
  const record = object as Record<string, unknown>;
  const keys = Object.keys(record);
  if (!sameKeys(keys, lastKeys)) {
    const sorted = keys.length > 1 ? [...keys].sort() : keys;
    lastQuoted = sorted.map((key) => JSON.stringify(key) + ':');
    lastSorted = sorted;
    lastKeys = keys;
  }
  const sorted = lastSorted;
  const quoted = lastQuoted;
  let out = '{';
  for (let i = 0; i < sorted.length; i++) {
    const item = record[sorted[i] as string];
    if (item === undefined) continue;
    // Functions (a `toJSON` among them) and nested objects go the general way.
    if (typeof item === 'function') return undefined;
    const encoded = encodePrimitive(item);
    if (encoded === undefined) return undefined;
    out += (out.length === 1 ? '' : ',') + quoted[i] + encoded;
  }
  return out + '}';
}

/** `path` holds the objects being encoded around this one: meeting one again means a cycle. */
function encode(value: unknown, path: object[]): string {
  const primitive = encodePrimitive(value);
  if (primitive !== undefined) return primitive;
  const object = value as object;
  if (path.includes(object)) {
    throw new McpkitError('INTERNAL', 'Cannot build a cache key from a cyclic value.', {
      hint: 'Pass a key function to cache() that returns plain data.',
    });
  }
  path.push(object);
  try {
    return encodeObject(object, path);
  } finally {
    path.pop();
  }
}

function encodeObject(object: object, path: object[]): string {
  if (Array.isArray(object)) return '[' + object.map((item) => encode(item, path)).join(',') + ']';
  if (object instanceof Date) return 'D' + String(object.getTime());
  if (ArrayBuffer.isView(object)) {
    const bytes = new Uint8Array(object.buffer, object.byteOffset, object.byteLength);
    return 'B' + Buffer.from(bytes).toString('base64');
  }
  if (object instanceof Map) {
    const entries = [...object].map(([k, v]) => encode(k, path) + ':' + encode(v, path));
    return 'M{' + entries.sort().join(',') + '}';
  }
  if (object instanceof Set) {
    return (
      'S[' +
      [...object]
        .map((item) => encode(item, path))
        .sort()
        .join(',') +
      ']'
    );
  }
  const toJSON = (object as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return 'J' + encode(toJSON.call(object), path);
  const keys = Object.keys(object).sort();
  const parts: string[] = [];
  for (const key of keys) {
    const item = (object as Record<string, unknown>)[key];
    if (item === undefined) continue;
    parts.push(JSON.stringify(key) + ':' + encode(item, path));
  }
  return '{' + parts.join(',') + '}';
}
