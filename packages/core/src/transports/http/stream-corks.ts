/** A stream whose head and events are held back until {@link StreamCorks} releases it. */
export interface CorkedStream {
  /** Sends what the stream holds (its head at least) and lets later writes go out as they come. */
  release(): void;
}

/**
 * Releases held-back event streams at the end of the event-loop turn.
 *
 * A stream is held from its start (corked, in effect: its writes are kept in one string), so its
 * head and the events written in the same turn leave together; when the response also ends in
 * that turn (a tool that reports progress and answers without waiting for anything), `end()`
 * sends the whole response as one chunk in one write. A stream that is
 * still open at the end of the turn is released then: its head and first events go out without
 * waiting for the handler, and later events are written as they come. A real long-running
 * stream's first event is therefore delayed by the rest of its turn only.
 */
export class StreamCorks {
  #queue: CorkedStream[] = [];
  #scheduled = false;
  readonly #release = () => this.releaseAll();

  /** Releases `stream` at the end of this turn. */
  hold(stream: CorkedStream): void {
    this.#queue.push(stream);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#release);
    }
  }

  /** Releases every held stream now (shutdown calls it before closing connections). */
  releaseAll(): void {
    this.#scheduled = false;
    const queue = this.#queue;
    this.#queue = [];
    for (const stream of queue) stream.release();
  }
}
