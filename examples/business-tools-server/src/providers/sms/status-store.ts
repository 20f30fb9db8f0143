/** A status callback as the provider delivers it. */
export interface StatusEvent {
  messageSid: string;
  status: string;
  errorCode: string | undefined;
  receivedAt: string;
}

/** The latest status callback per message, bounded (oldest messages forgotten first). */
export class StatusStore {
  readonly #latest = new Map<string, StatusEvent>();
  constructor(readonly max = 10_000) {}

  /** Records an event as the message's latest. */
  record(event: StatusEvent): void {
    this.#latest.delete(event.messageSid);
    this.#latest.set(event.messageSid, event);
    if (this.#latest.size > this.max) this.#latest.delete(this.#latest.keys().next().value as string);
  }

  /** The latest callback of a message, if one came. */
  get(messageSid: string): StatusEvent | undefined {
    return this.#latest.get(messageSid);
  }
}
