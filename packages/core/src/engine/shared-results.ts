import type { Era } from '../protocol/versions.js';

const encoder = new TextEncoder();

interface Entry {
  /** The result serialized as UTF-8, once asked for. */
  bytes: Uint8Array | undefined;
  /** The modern-era shape of a legacy-shaped result, once asked for (itself a shared result). */
  modern: Record<string, unknown> | undefined;
}

/**
 * Results that are the same for every request until their list changes (`tools/list` and the
 * other list methods), kept with their serialized bytes so each is serialized once per list
 * version instead of once per request.
 *
 * A result is shared by identity: the dispatcher registers the frozen objects its list chains
 * answer with, and the cache is keyed by those objects (weakly). A new version of a list is a new
 * object, so it is serialized anew and the old bytes go with the old object: nothing to
 * invalidate by hand. A middleware that changes a list returns a new object, which is not shared
 * and is serialized per request as any other result. Pages of a list can be layered on this: a
 * page object made once per list version and cursor, registered with {@link share}.
 */
export class SharedResults {
  readonly #entries = new WeakMap<object, Entry>();

  /** Registers `result` as shared (and freezes it: every request sees the same object). */
  share<T extends Record<string, unknown>>(result: T): T {
    Object.freeze(result);
    if (!this.#entries.has(result)) this.#entries.set(result, { bytes: undefined, modern: undefined });
    return result;
  }

  /** Whether `result` is a shared result. */
  has(result: object): boolean {
    return this.#entries.has(result);
  }

  /**
   * The shared result as `era` answers it: the result itself in the legacy era; in the modern
   * era its modern shape, made by `shape` on first use and shared from then on.
   */
  forEra(
    result: Record<string, unknown>,
    era: Era,
    shape: (result: Record<string, unknown>) => Record<string, unknown>,
  ): Record<string, unknown> {
    const entry = this.#entries.get(result);
    if (entry === undefined || era !== 'modern') return result;
    entry.modern ??= this.share(shape(result));
    return entry.modern;
  }

  /**
   * A shared result serialized as UTF-8 (on first use), so each response only writes these bytes
   * and allocates nothing of their size; undefined for a result that is not shared.
   */
  bytesOf(result: object): Uint8Array | undefined {
    const entry = this.#entries.get(result);
    if (entry === undefined) return undefined;
    entry.bytes ??= encoder.encode(JSON.stringify(result));
    return entry.bytes;
  }
}
