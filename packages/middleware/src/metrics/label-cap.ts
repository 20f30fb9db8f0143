/** Label value that stands for every name past the cap. */
export const OTHER_LABEL = '_other';

/**
 * Bounds the distinct values of a label: the first `max` names keep their own value, every later
 * one collapses to {@link OTHER_LABEL}, so a client inventing names cannot grow the registry.
 */
export class LabelCap {
  readonly #seen = new Set<string>();

  constructor(readonly max: number) {}

  /** The label value to use for `name`: itself when already taken, else {@link OTHER_LABEL}. */
  value(name: string | undefined): string {
    if (name === undefined) return '';
    return this.#seen.has(name) ? name : OTHER_LABEL;
  }

  /** Like {@link value}, but takes an unseen name while there is room (for names known to be legitimate). */
  take(name: string): string {
    if (!this.#seen.has(name)) {
      if (this.#seen.size >= this.max) return OTHER_LABEL;
      this.#seen.add(name);
    }
    return name;
  }
}
