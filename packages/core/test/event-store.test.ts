import { createMemoryEventStore } from '@mcpkit/core';
import { afterEach, describe, expect, it, vi } from 'vitest';

describe('memory event store', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('replays the events after a Last-Event-ID, in order', () => {
    const store = createMemoryEventStore();
    const first = store.append('s1', 'a');
    store.append('s1', 'b');
    store.append('s1', 'c');
    expect(store.after(first)).toEqual({
      streamId: 's1',
      events: [
        { id: 's1_1', data: 'b' },
        { id: 's1_2', data: 'c' },
      ],
    });
  });

  it('drops a stream at once on forget(), with its bytes', () => {
    const store = createMemoryEventStore();
    const id = store.append('delivered', 'abc');
    store.append('kept', 'x');
    store.forget?.('delivered');
    expect(store.after(id)).toBeUndefined();
    expect(store.usage()).toEqual({ streams: 1, finished: 0, bytes: 17 });
  });

  it('forgets a finished stream once its retention time has passed', () => {
    vi.useFakeTimers();
    const store = createMemoryEventStore({ retentionMs: 1_000 });
    const id = store.append('old', 'x');
    store.finish('old');
    vi.advanceTimersByTime(999);
    store.append('new', 'y');
    expect(store.after(id)).toBeDefined();
    vi.advanceTimersByTime(2);
    store.append('newer', 'z');
    expect(store.after(id)).toBeUndefined();
    expect(store.after(store.append('new', 'w'))).toBeDefined();
  });

  it('keeps unfinished streams however old they are', () => {
    vi.useFakeTimers();
    const store = createMemoryEventStore({ retentionMs: 10 });
    const id = store.append('live', 'x');
    vi.advanceTimersByTime(60_000);
    store.append('other', 'y');
    expect(store.after(id)).toEqual({ streamId: 'live', events: [] });
  });

  it('drops the oldest streams past maxStreams and the oldest events past maxEventsPerStream', () => {
    const store = createMemoryEventStore({ maxStreams: 2, maxEventsPerStream: 2 });
    const first = store.append('one', 'a');
    store.append('two', 'b');
    store.append('three', 'c');
    expect(store.after(first)).toBeUndefined();
    const start = store.append('busy', '1');
    store.append('busy', '2');
    store.append('busy', '3');
    expect(store.after(start)?.events.map((e) => e.data)).toEqual(['2', '3']);
  });

  it('forgets finished streams evicted by maxStreams everywhere, whatever the rate', () => {
    const store = createMemoryEventStore({ maxStreams: 10, retentionMs: 60_000 });
    for (let i = 0; i < 10_000; i++) {
      const stream = `stream-${i}`;
      store.append(stream, '');
      store.append(stream, '{"jsonrpc":"2.0","method":"notifications/progress"}');
      store.finish(stream);
    }
    expect(store.usage().streams).toBe(10);
    expect(store.usage().finished).toBe(10);
    expect(store.after('stream-9999_0')?.events).toHaveLength(1);
    expect(store.after('stream-0_0')).toBeUndefined();
  });

  it('keeps the event data under maxBytes by dropping the oldest streams, finished ones first', () => {
    const store = createMemoryEventStore({ maxBytes: 1_000 });
    const big = 'x'.repeat(200);
    const live = store.append('live', big);
    for (let i = 0; i < 20; i++) {
      store.append(`done-${i}`, big);
      store.finish(`done-${i}`);
    }
    expect(store.usage().bytes).toBeLessThanOrEqual(1_000);
    expect(store.after(live)).toEqual({ streamId: 'live', events: [] });
    expect(store.after('done-0_0')).toBeUndefined();
  });

  it('drops the oldest events of a single stream larger than maxBytes', () => {
    const store = createMemoryEventStore({ maxBytes: 500 });
    const first = store.append('huge', 'a'.repeat(100));
    for (let i = 0; i < 10; i++) store.append('huge', 'b'.repeat(100));
    expect(store.usage().bytes).toBeLessThanOrEqual(500);
    const events = store.after(first)?.events ?? [];
    expect(events.length).toBeGreaterThan(0);
    expect(events.at(-1)?.id).toBe('huge_10');
  });
});
