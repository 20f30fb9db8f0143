/** Ids ordered by when they expire, soonest first (a binary min-heap): what a store sweeps, without a timer per entry. */
export class ExpiryHeap {
  readonly #at: number[] = [];
  readonly #ids: string[] = [];

  get size(): number {
    return this.#at.length;
  }

  /** Adds `id`, expiring at `at` (ms since the epoch). */
  push(id: string, at: number): void {
    let i = this.#at.length;
    this.#at.push(at);
    this.#ids.push(id);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((this.#at[parent] as number) <= at) break;
      this.#swap(i, parent);
      i = parent;
    }
  }

  /** Removes and returns the soonest id if it expires at or before `now`; undefined otherwise. */
  popExpired(now: number): string | undefined {
    if (this.#at.length === 0 || (this.#at[0] as number) > now) return undefined;
    const id = this.#ids[0] as string;
    this.#removeTop();
    return id;
  }

  #removeTop(): void {
    const lastAt = this.#at.pop() as number;
    const lastId = this.#ids.pop() as string;
    if (this.#at.length === 0) return;
    this.#at[0] = lastAt;
    this.#ids[0] = lastId;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < this.#at.length && (this.#at[left] as number) < (this.#at[smallest] as number))
        smallest = left;
      if (right < this.#at.length && (this.#at[right] as number) < (this.#at[smallest] as number))
        smallest = right;
      if (smallest === i) return;
      this.#swap(i, smallest);
      i = smallest;
    }
  }

  #swap(a: number, b: number): void {
    const at = this.#at[a] as number;
    this.#at[a] = this.#at[b] as number;
    this.#at[b] = at;
    const id = this.#ids[a] as string;
    this.#ids[a] = this.#ids[b] as string;
    this.#ids[b] = id;
  }
}
