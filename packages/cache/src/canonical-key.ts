import { McpkitError } from '@mcpkit/core';

/**
 * Encodes a value into a string that is equal for equal values and different for different ones:
 * object keys are sorted (so `{a:1,b:2}` and `{b:2,a:1}` match), while types are kept apart
 * (`1`, `"1"`, `1n`, a Date and its ISO string all differ). Strings are always quoted, so a tagged
 * form (`D…`, `B…`, `M{…}`) can never collide with user data. Absent and `undefined` properties
 * encode the same, as they do after validation.
 */
export function canonicalKey(value: unknown): string {
  return encode(value, new Set());
}

function encode(value: unknown, seen: Set<object>): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      // String() is exact and deterministic for every double; -0 folds into 0 like JSON does.
      return 'n' + (Object.is(value, -0) ? '0' : String(value));
    case 'boolean':
      return value ? 't' : 'f';
    case 'bigint':
      return 'i' + value.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return 'u';
  }
  if (value === null) return 'null';
  const object = value as object;
  if (seen.has(object)) {
    throw new McpkitError('INTERNAL', 'Cannot build a cache key from a cyclic value.', {
      hint: 'Pass a key function to cache() that returns plain data.',
    });
  }
  seen.add(object);
  try {
    return encodeObject(object, seen);
  } finally {
    seen.delete(object);
  }
}

function encodeObject(object: object, seen: Set<object>): string {
  if (Array.isArray(object)) return '[' + object.map((item) => encode(item, seen)).join(',') + ']';
  if (object instanceof Date) return 'D' + String(object.getTime());
  if (ArrayBuffer.isView(object)) {
    const bytes = new Uint8Array(object.buffer, object.byteOffset, object.byteLength);
    return 'B' + Buffer.from(bytes).toString('base64');
  }
  if (object instanceof Map) {
    const entries = [...object].map(([k, v]) => encode(k, seen) + ':' + encode(v, seen));
    return 'M{' + entries.sort().join(',') + '}';
  }
  if (object instanceof Set) {
    return (
      'S[' +
      [...object]
        .map((item) => encode(item, seen))
        .sort()
        .join(',') +
      ']'
    );
  }
  const toJSON = (object as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return 'J' + encode(toJSON.call(object), seen);
  const keys = Object.keys(object).sort();
  const parts: string[] = [];
  for (const key of keys) {
    const item = (object as Record<string, unknown>)[key];
    if (item === undefined) continue;
    parts.push(JSON.stringify(key) + ':' + encode(item, seen));
  }
  return '{' + parts.join(',') + '}';
}
