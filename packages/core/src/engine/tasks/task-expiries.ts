/** A task held for its ttlMs: where it sits in its expiry list. */
export interface Expiring {
  /** When its ttlMs passes, in ms since the epoch. */
  expireAt: number;
  expiryPrev: Expiring | undefined;
  expiryNext: Expiring | undefined;
  expiryList: ExpiryList | undefined;
}

/** Tasks of one ttlMs, soonest-expiring first (tasks of one ttlMs expire in the order they were created). */
interface ExpiryList {
  readonly ttlMs: number;
  head: Expiring | undefined;
  tail: Expiring | undefined;
}

/** Longest delay a Node.js timer takes (about 24.8 days); a later expiry is re-armed in steps. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * When the held tasks' ttlMs pass, with one timer for all of them instead of one per task. Tasks
 * are kept in a linked list per ttlMs (creation order is expiry order within one), so adding and
 * removing a task cost O(1) and the timer waits for the soonest head. A removal never re-arms: a
 * timer that finds nothing expired re-arms for the new soonest.
 */
export class TaskExpiries {
  readonly #lists = new Map<number, ExpiryList>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** When the timer fires; Infinity while none is armed. */
  #armedAt = Number.POSITIVE_INFINITY;

  constructor(
    /** Runs for each task whose ttlMs passed (it is no longer in a list). */
    private readonly expired: (task: Expiring) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Starts following `task`, created with `ttlMs`, expiring at `expireAt`. */
  add(task: Expiring, ttlMs: number, expireAt: number): void {
    task.expireAt = expireAt;
    let list = this.#lists.get(ttlMs);
    if (list === undefined) {
      list = { ttlMs, head: undefined, tail: undefined };
      this.#lists.set(ttlMs, list);
    }
    // Usually the tail; a store whose clock went back a little puts a task a few places earlier.
    let after = list.tail;
    while (after !== undefined && after.expireAt > expireAt) after = after.expiryPrev;
    task.expiryList = list;
    task.expiryPrev = after;
    task.expiryNext = after === undefined ? list.head : after.expiryNext;
    if (task.expiryNext === undefined) list.tail = task;
    else task.expiryNext.expiryPrev = task;
    if (after === undefined) list.head = task;
    else after.expiryNext = task;
    if (expireAt < this.#armedAt) this.#arm(expireAt);
  }

  /** Stops following `task` (it settled); nothing when it is not followed. */
  remove(task: Expiring): void {
    const list = task.expiryList;
    if (list === undefined) return;
    if (task.expiryPrev === undefined) list.head = task.expiryNext;
    else task.expiryPrev.expiryNext = task.expiryNext;
    if (task.expiryNext === undefined) list.tail = task.expiryPrev;
    else task.expiryNext.expiryPrev = task.expiryPrev;
    task.expiryList = task.expiryPrev = task.expiryNext = undefined;
    if (list.head === undefined) this.#lists.delete(list.ttlMs);
  }

  #arm(at: number): void {
    clearTimeout(this.#timer);
    this.#armedAt = at;
    this.#timer = setTimeout(() => this.#fire(), Math.min(Math.max(0, at - this.now()), MAX_TIMER_MS));
    this.#timer.unref?.();
  }

  #fire(): void {
    this.#timer = undefined;
    this.#armedAt = Number.POSITIVE_INFINITY;
    const now = this.now();
    const due: Expiring[] = [];
    let soonest = Number.POSITIVE_INFINITY;
    for (const list of [...this.#lists.values()]) {
      while (list.head !== undefined && list.head.expireAt <= now) {
        const task = list.head;
        this.remove(task);
        due.push(task);
      }
      if (list.head !== undefined && list.head.expireAt < soonest) soonest = list.head.expireAt;
    }
    if (soonest !== Number.POSITIVE_INFINITY) this.#arm(soonest);
    for (const task of due) this.expired(task);
  }
}
