/** Stores the events of response streams so a client that lost its connection can resume. */
export interface EventStore {
  /** Records `message` as the next event of `streamId`; returns its event id. */
  append(streamId: string, message: string): string;
  /** The events of the stream that `lastEventId` belongs to, after it; undefined when unknown or expired. */
  after(lastEventId: string): { streamId: string; events: Array<{ id: string; data: string }> } | undefined;
  /** Marks a stream finished (its events may be dropped after the retention time). */
  finish(streamId: string): void;
  /**
   * Drops a finished stream now: its client read the whole response, so nobody will resume it.
   * Optional: a store without it keeps such streams for its retention time.
   */
  forget?(streamId: string): void;
}

/** Options of {@link createMemoryEventStore}. */
export interface MemoryEventStoreOptions {
  /** How long a finished stream's events are kept, in milliseconds. Default: 60 000. */
  retentionMs?: number;
  /** Most events kept per stream (the oldest are dropped). Default: 1 000. */
  maxEventsPerStream?: number;
  /** Most streams kept, finished or not (the oldest are dropped). Default: 10 000. */
  maxStreams?: number;
  /**
   * Most event data kept over all streams, in characters of the serialized messages (about bytes
   * for ASCII JSON); past it the oldest streams are dropped, and a single stream larger than it
   * loses its oldest events. Default: 32 MiB.
   */
  maxBytes?: number;
}

/** What a memory event store holds right now (for tests, metrics and soaks). */
export interface EventStoreUsage {
  /** Streams kept, finished or not. */
  streams: number;
  /** Finished streams waiting for their retention to end (never more than `streams`). */
  finished: number;
  /** Characters of event data kept. */
  bytes: number;
}

/** An {@link EventStore} in this process, with its current {@link EventStoreUsage}. */
export interface MemoryEventStore extends EventStore {
  /** What the store holds now. */
  usage(): EventStoreUsage;
}

interface StoredStream {
  /** Sequence number of the next event. */
  seq: number;
  /** Sequence number of `data[0]`: events are numbered, so no per-event id string is kept. */
  first: number;
  data: string[];
  bytes: number;
}

/** Characters one kept event costs beyond its data (array slot, bookkeeping), so empty events count too. */
const EVENT_OVERHEAD = 16;

/**
 * An in-process event store bounded by stream count, events per stream and total size, whatever
 * the request rate. A finished stream is remembered in one insertion-ordered map beside the
 * streams themselves, so dropping a stream for any reason (retention, count, size) forgets it
 * everywhere at once: nothing outlives the stream it belongs to.
 */
export function createMemoryEventStore(options: MemoryEventStoreOptions = {}): MemoryEventStore {
  const retentionMs = options.retentionMs ?? 60_000;
  const maxEvents = Math.max(1, options.maxEventsPerStream ?? 1_000);
  const maxStreams = Math.max(1, options.maxStreams ?? 10_000);
  const maxBytes = Math.max(EVENT_OVERHEAD, options.maxBytes ?? 32 * 1024 * 1024);
  const streams = new Map<string, StoredStream>();
  // Finished streams in the order they finished, with the time: expiry pops from the front.
  const finished = new Map<string, number>();
  let bytes = 0;

  const drop = (id: string) => {
    const stream = streams.get(id);
    if (stream) bytes -= stream.bytes;
    streams.delete(id);
    finished.delete(id);
  };
  const dropOldest = () => {
    // Finished streams go first: nobody is writing to them any more.
    const victim = finished.keys().next().value ?? streams.keys().next().value;
    if (victim !== undefined) drop(victim);
  };
  const expire = (now: number) => {
    for (const [id, at] of finished) {
      if (now - at <= retentionMs) break;
      drop(id);
    }
  };

  return {
    append(streamId, data) {
      let stream = streams.get(streamId);
      if (!stream) {
        expire(Date.now());
        while (streams.size >= maxStreams) dropOldest();
        stream = { seq: 0, first: 0, data: [], bytes: 0 };
        // A concatenated id is a rope of its pieces until flattened: keep one flat string per stream.
        streams.set(flat(streamId), stream);
      }
      const cost = data.length + EVENT_OVERHEAD;
      stream.data.push(data);
      stream.bytes += cost;
      bytes += cost;
      const seq = stream.seq++;
      while (stream.data.length > maxEvents || (stream.bytes > maxBytes && stream.data.length > 1)) {
        const gone = (stream.data.shift() as string).length + EVENT_OVERHEAD;
        stream.first++;
        stream.bytes -= gone;
        bytes -= gone;
      }
      while (bytes > maxBytes && streams.size > 1) {
        const oldest = finished.keys().next().value ?? streams.keys().next().value;
        if (oldest === streamId) break;
        drop(oldest as string);
      }
      return `${streamId}_${seq}`;
    },
    after(lastEventId) {
      const cut = lastEventId.lastIndexOf('_');
      if (cut <= 0) return undefined;
      const streamId = lastEventId.slice(0, cut);
      const seq = Number(lastEventId.slice(cut + 1));
      const stream = streams.get(streamId);
      if (!stream || !Number.isInteger(seq)) return undefined;
      const events: Array<{ id: string; data: string }> = [];
      for (let i = Math.max(0, seq + 1 - stream.first); i < stream.data.length; i++) {
        events.push({ id: `${streamId}_${stream.first + i}`, data: stream.data[i] as string });
      }
      return { streamId, events };
    },
    finish(streamId) {
      if (!streams.has(streamId) || finished.has(streamId)) return;
      const now = Date.now();
      expire(now);
      if (streams.has(streamId)) finished.set(streamId, now);
    },
    forget(streamId) {
      drop(streamId);
    },
    usage() {
      return { streams: streams.size, finished: finished.size, bytes };
    },
  };
}

/** `value`, flattened: V8 flattens a concatenated string in place when it is converted to a number. */
function flat(value: string): string {
  void Number(value);
  return value;
}
