/** Requests the sandbox keeps unanswered until released: a provider that takes its time, on cue. */
export interface RequestHold {
  /** Resolves when the first matching request arrives (and is held). */
  readonly arrived: Promise<void>;
  /** Resolves when the caller closes a held request's connection (it gave up: aborted, timed out). */
  readonly closed: Promise<void>;
  /** Lets every held and later matching request through, and ends the hold. */
  release(): void;
}

/** One hold: which requests it catches, and how to wait on it. */
export class HoldRule implements RequestHold {
  readonly arrived: Promise<void>;
  readonly closed: Promise<void>;
  #arrive!: () => void;
  #close!: () => void;
  #released = false;
  readonly #waiting = new Set<() => void>();

  constructor(
    readonly method: string,
    readonly pathPrefix: string,
    private readonly onRelease: (rule: HoldRule) => void,
  ) {
    this.arrived = new Promise((resolve) => {
      this.#arrive = resolve;
    });
    this.closed = new Promise((resolve) => {
      this.#close = resolve;
    });
  }

  matches(method: string, path: string): boolean {
    return !this.#released && method === this.method && path.startsWith(this.pathPrefix);
  }

  /** Waits until the hold is released; resolves false when the caller closed the connection first (`res` closed unanswered). */
  wait(res: { once(event: 'close', listener: () => void): unknown }): Promise<boolean> {
    this.#arrive();
    return new Promise((resolve) => {
      const go = () => resolve(true);
      this.#waiting.add(go);
      res.once('close', () => {
        if (!this.#waiting.delete(go)) return;
        this.#close();
        resolve(false);
      });
    });
  }

  release(): void {
    this.#released = true;
    for (const go of this.#waiting) go();
    this.#waiting.clear();
    this.onRelease(this);
  }
}
