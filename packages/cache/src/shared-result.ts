/**
 * Cached tool results are shared by every caller that hits them, so nothing a caller's middleware
 * does may reach the stored copy. Each caller gets a fresh top-level object (with its own `_meta`);
 * everything below it is frozen, so an in-place change throws instead of leaking to later callers.
 * Only plain objects and arrays are copied and frozen: other objects (Buffers, Dates, class
 * instances) are shared by reference, as they cannot be frozen meaningfully.
 */

const CYCLE = Symbol('cycle');

function isPlain(value: object): boolean {
  if (Array.isArray(value)) return true;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function copy(value: unknown, path: object[]): unknown {
  if (typeof value !== 'object' || value === null || !isPlain(value)) return value;
  if (path.includes(value)) throw CYCLE;
  path.push(value);
  let out: unknown;
  if (Array.isArray(value)) {
    out = value.map((item) => copy(item, path));
  } else {
    const record: Record<string, unknown> = {};
    for (const key of Object.keys(value)) record[key] = copy((value as Record<string, unknown>)[key], path);
    out = record;
  }
  path.pop();
  return Object.freeze(out);
}

/** A frozen deep copy of a handler's result: the handler keeps its own object, the cache gets one nobody can change. A cyclic value is returned as is (it cannot be stored anyway). */
export function shareableCopy<T>(value: T): T {
  try {
    return copy(value, []) as T;
  } catch (error) {
    if (error === CYCLE) return value;
    throw error;
  }
}

function freezeDeep(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value) || !isPlain(value)) return;
  Object.freeze(value);
  for (const key of Object.keys(value)) freezeDeep((value as Record<string, unknown>)[key]);
}

/** Freezes a value read from a store in place (decoded from a shared store, it is a fresh object). A frozen value is taken as already shareable, so an in-process hit costs one check. */
export function asShared<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) freezeDeep(value);
  return value;
}
