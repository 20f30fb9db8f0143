/** Stores the events of response streams so a client that lost its connection can resume. */
export interface EventStore {
  /** Records `message` as the next event of `streamId`; returns its event id. */
  append(streamId: string, message: string): string;
  /** The events of the stream that `lastEventId` belongs to, after it; undefined when unknown or expired. */
  after(lastEventId: string): { streamId: string; events: Array<{ id: string; data: string }> } | undefined;
  /** Marks a stream finished (its events may be dropped after the retention time). */
  finish(streamId: string): void;
}

/** Options of {@link createMemoryEventStore}. */
export interface MemoryEventStoreOptions {
  /** How long a finished stream's events are kept, in milliseconds. Default: 60 000. */
  retentionMs?: number;
  /** Most events kept per stream (the oldest are dropped). Default: 1 000. */
  maxEventsPerStream?: number;
  /** Most streams kept (the oldest are dropped). Default: 10 000. */
  maxStreams?: number;
}

interface StoredStream {
  seq: number;
  events: Array<{ id: string; data: string }>;
  finishedAt: number | undefined;
}

/** An in-process event store with bounded memory. */
export function createMemoryEventStore(options: MemoryEventStoreOptions = {}): EventStore {
  const retentionMs = options.retentionMs ?? 60_000;
  const maxEvents = options.maxEventsPerStream ?? 1_000;
  const maxStreams = options.maxStreams ?? 10_000;
  const streams = new Map<string, StoredStream>();
  // Finished streams in the order they finished: expiry pops from the front, so it costs O(1) per stream.
  const finished: Array<{ id: string; at: number }> = [];
  let head = 0;

  const expire = (now: number) => {
    while (head < finished.length && now - (finished[head] as { at: number }).at > retentionMs) {
      streams.delete((finished[head] as { id: string }).id);
      head++;
    }
    if (head > 1_024 && head * 2 > finished.length) {
      finished.splice(0, head);
      head = 0;
    }
  };

  return {
    append(streamId, data) {
      let stream = streams.get(streamId);
      if (!stream) {
        expire(Date.now());
        // Past the bound, the oldest streams go first (Map iteration is insertion order).
        while (streams.size >= maxStreams) streams.delete(streams.keys().next().value as string);
        stream = { seq: 0, events: [], finishedAt: undefined };
        streams.set(streamId, stream);
      }
      const id = `${streamId}_${stream.seq++}`;
      stream.events.push({ id, data });
      if (stream.events.length > maxEvents) stream.events.shift();
      return id;
    },
    after(lastEventId) {
      const cut = lastEventId.lastIndexOf('_');
      if (cut <= 0) return undefined;
      const streamId = lastEventId.slice(0, cut);
      const seq = Number(lastEventId.slice(cut + 1));
      const stream = streams.get(streamId);
      if (!stream || !Number.isInteger(seq)) return undefined;
      const events = stream.events.filter((e) => Number(e.id.slice(cut + 1)) > seq);
      return { streamId, events };
    },
    finish(streamId) {
      const stream = streams.get(streamId);
      if (!stream || stream.finishedAt !== undefined) return;
      const now = Date.now();
      stream.finishedAt = now;
      finished.push({ id: streamId, at: now });
      expire(now);
    },
  };
}
