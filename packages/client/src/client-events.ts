import type { Era } from '@mcpkit/core';
import type { Client, McpSubscription } from '@modelcontextprotocol/client';

/**
 * A listener registration (cockatiel's `IDisposable` shape): `dispose()` stops the listener, and
 * `ready` settles once the server was told (legacy `resources/subscribe`, modern
 * `subscriptions/listen` acknowledged); it rejects when the server refused. A refused legacy
 * subscribe unregisters the listener; a failed modern listen is tried again with backoff.
 */
export interface ClientSubscription {
  dispose(): void;
  readonly ready: Promise<void>;
}

/** The lists whose changes a client can listen to. */
export type ListChangeKind = 'tools' | 'resources' | 'prompts';

interface Filter {
  toolsListChanged?: boolean;
  resourcesListChanged?: boolean;
  promptsListChanged?: boolean;
  resourceSubscriptions?: string[];
}

const LIST_METHODS = {
  tools: 'notifications/tools/list_changed',
  resources: 'notifications/resources/list_changed',
  prompts: 'notifications/prompts/list_changed',
} as const;

/** The pause before a dropped (or failed) modern stream is opened again; it doubles per failure in a row. */
const REOPEN_DELAY_MS = 1_000;
/** The longest pause between two tries of the modern stream. */
const MAX_REOPEN_DELAY_MS = 30_000;

function call(listener: () => void): void {
  try {
    listener();
  } catch {
    // One listener's failure is its own: the others still hear the event.
  }
}

/**
 * The client's events: list-changed notifications and resource updates, in both eras. Legacy:
 * list changes arrive unasked (session stream, stdio, in process) and a resource's updates after
 * `resources/subscribe`. Modern: one `subscriptions/listen` stream whose filter is what the
 * listeners ask for, opened again when that changes.
 */
export class ClientEvents {
  readonly #sdk: () => Client;
  readonly #era: Era;
  readonly #lists: Record<ListChangeKind, Set<() => void>> = {
    tools: new Set(),
    resources: new Set(),
    prompts: new Set(),
  };
  readonly #updates = new Map<string, Set<(uri: string) => void>>();
  #stream: { filter: string; subscription: McpSubscription } | undefined;
  #sync: Promise<void> = Promise.resolve();
  #closed = false;
  #reopen: ReturnType<typeof setTimeout> | undefined;
  /** Failed listens in a row: the next try waits longer. */
  #failures = 0;
  /** Legacy: the URIs the server holds a subscription of. */
  readonly #subscribed = new Set<string>();
  /** Legacy: per URI, the (un)subscribe in flight; the next waits for it. */
  readonly #uriSync = new Map<string, Promise<void>>();

  constructor(sdk: () => Client, era: Era) {
    this.#sdk = sdk;
    this.#era = era;
    const client = sdk();
    for (const kind of Object.keys(LIST_METHODS) as ListChangeKind[]) {
      client.setNotificationHandler(LIST_METHODS[kind], () => {
        for (const listener of [...this.#lists[kind]]) call(listener);
      });
    }
    client.setNotificationHandler('notifications/resources/updated', (notification) => {
      const uri = notification.params.uri;
      for (const listener of [...(this.#updates.get(uri) ?? [])]) call(() => listener(uri));
    });
  }

  /** Listens to changes of a list. */
  onListChanged(kind: ListChangeKind, listener: () => void): ClientSubscription {
    const wrapped = () => listener();
    this.#lists[kind].add(wrapped);
    const ready = this.#era === 'modern' ? this.#resync() : Promise.resolve();
    return this.#subscription(ready, () => {
      this.#lists[kind].delete(wrapped);
      if (this.#era === 'modern') return this.#resync();
    });
  }

  /** Listens to updates of one resource. */
  onResourceUpdated(uri: string, listener: (uri: string) => void): ClientSubscription {
    const wrapped = (changed: string) => listener(changed);
    let listeners = this.#updates.get(uri);
    if (!listeners) {
      listeners = new Set();
      this.#updates.set(uri, listeners);
    }
    listeners.add(wrapped);
    const ready = this.#era === 'modern' ? this.#resync() : this.#syncUri(uri);
    return this.#subscription(ready, () => {
      const held = this.#updates.get(uri);
      held?.delete(wrapped);
      if (held?.size !== 0) return;
      this.#updates.delete(uri);
      return this.#era === 'modern' ? this.#resync() : this.#syncUri(uri);
    });
  }

  /**
   * Legacy: brings the server's subscription of `uri` in line with its listeners, one request per
   * URI at a time (over HTTP each request is its own POST, so an unsubscribe still in flight could
   * otherwise land after the subscribe that follows it). A refused subscribe unregisters the
   * listeners it was for, so none of them waits for updates that will not come.
   */
  #syncUri(uri: string): Promise<void> {
    const previous = this.#uriSync.get(uri) ?? Promise.resolve();
    const next = previous.then(async () => {
      const listeners = this.#updates.get(uri);
      const want = listeners !== undefined && listeners.size > 0;
      if (want === this.#subscribed.has(uri) || this.#closed) return;
      if (!want) {
        this.#subscribed.delete(uri);
        await this.#sdk().unsubscribeResource({ uri });
        return;
      }
      const waiting = [...listeners];
      try {
        await this.#sdk().subscribeResource({ uri });
        this.#subscribed.add(uri);
      } catch (error) {
        for (const listener of waiting) listeners.delete(listener);
        if (listeners.size === 0 && this.#updates.get(uri) === listeners) this.#updates.delete(uri);
        throw error;
      }
    });
    const tail = next.catch(() => undefined);
    this.#uriSync.set(uri, tail);
    void tail.then(() => {
      if (this.#uriSync.get(uri) === tail) this.#uriSync.delete(uri);
    });
    return next;
  }

  /** Closes the modern stream (the client is closing). */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#reopen);
    const stream = this.#stream;
    this.#stream = undefined;
    await stream?.subscription.close();
  }

  /** A stream the server ended (or the network dropped) is opened again after a pause, while listeners remain. */
  #onStreamEnd(subscription: McpSubscription, reason: 'local' | 'graceful' | 'remote'): void {
    if (reason === 'local' || this.#closed || this.#stream?.subscription !== subscription) return;
    this.#stream = undefined;
    this.#scheduleReopen();
  }

  /** Tries the stream again after a pause that doubles with each failure in a row (1 s … 30 s). */
  #scheduleReopen(): void {
    clearTimeout(this.#reopen);
    if (this.#closed || Object.keys(this.#filter()).length === 0) return;
    const delay = Math.min(
      MAX_REOPEN_DELAY_MS,
      REOPEN_DELAY_MS * 2 ** Math.min(Math.max(0, this.#failures - 1), 15),
    );
    this.#reopen = setTimeout(() => {
      this.#reopen = undefined;
      // A failure schedules the next try itself (see #resync).
      if (!this.#closed) this.#resync().catch(() => undefined);
    }, delay);
    this.#reopen.unref?.();
  }

  #subscription(ready: Promise<void>, stop: () => Promise<void> | undefined): ClientSubscription {
    // `ready` is for whoever awaits it; nobody awaiting it must not crash the process.
    ready.catch(() => undefined);
    let disposed = false;
    return {
      ready,
      dispose() {
        if (disposed) return;
        disposed = true;
        stop()?.catch(() => undefined);
      },
    };
  }

  #filter(): Filter {
    const filter: Filter = {};
    if (this.#lists.tools.size > 0) filter.toolsListChanged = true;
    if (this.#lists.resources.size > 0) filter.resourcesListChanged = true;
    if (this.#lists.prompts.size > 0) filter.promptsListChanged = true;
    if (this.#updates.size > 0) filter.resourceSubscriptions = [...this.#updates.keys()].sort();
    return filter;
  }

  /**
   * Brings the modern stream in line with the listeners: the new stream opens before the old one
   * closes. When the listen fails the old stream stays the current one (it still carries what it
   * carried, and the next stream that opens closes it) and the listen is tried again later.
   */
  #resync(): Promise<void> {
    const next = this.#sync.then(async () => {
      if (this.#closed) return;
      const filter = this.#filter();
      const key = JSON.stringify(filter);
      if (this.#stream?.filter === key) return;
      const old = this.#stream;
      if (Object.keys(filter).length === 0) {
        clearTimeout(this.#reopen);
        this.#failures = 0;
        this.#stream = undefined;
      } else {
        let subscription: McpSubscription;
        try {
          subscription = await this.#sdk().listen(filter);
        } catch (error) {
          this.#failures++;
          this.#scheduleReopen();
          throw error;
        }
        this.#failures = 0;
        clearTimeout(this.#reopen);
        if (this.#closed) {
          await subscription.close();
          return;
        }
        this.#stream = { filter: key, subscription };
        void subscription.closed.then((reason) => this.#onStreamEnd(subscription, reason));
      }
      await old?.subscription.close();
    });
    // A failed listen does not block the next resync.
    this.#sync = next.catch(() => undefined);
    return next;
  }
}
