import { randomUUID } from 'node:crypto';
import type { RedisClientLike, RedisSubscriberLike } from './redis-client.js';
import { requireRedisClient } from './require-redis-client.js';
import { withTimeout } from './with-timeout.js';

/** What instances tell each other: keys written or deleted, tags invalidated. */
export interface CacheBusMessage {
  /** Keys whose in-process copies are now outdated. */
  keys?: readonly string[];
  /** Tags invalidated at `at`. */
  tags?: readonly string[];
  /** Cache-clock time of the tag invalidation, in ms. */
  at?: number;
}

/** Receives what other instances published. */
export interface CacheBusListener {
  /** A message from another instance. */
  message(message: CacheBusMessage): void;
  /** The subscription came back after a gap: messages may have been missed. */
  reconnected(): void;
}

/** Carries invalidations between instances so each can evict its in-process copies. */
export interface CacheBus {
  /** True while the subscription is live: no message can be missed. */
  readonly connected: boolean;
  /** Subscribes; resolves once subscribed, or after a bounded wait (it keeps retrying in the background). */
  start(listener: CacheBusListener): Promise<void>;
  /** Publishes to every other instance. */
  publish(message: CacheBusMessage): Promise<void>;
  /** Closes the subscriber connection the bus opened. */
  close(): Promise<void>;
}

/** Options of {@link createRedisCacheBus}. */
export interface RedisCacheBusOptions {
  /** Your ioredis client; the bus publishes on it and subscribes on `client.duplicate()`. */
  client: RedisClientLike;
  /** Pub/sub channel; every instance sharing a cache must use the same one. Default: `mcpkit:cache:bus`. */
  channel?: string;
  /** Longest wait for a publish, in ms. Default: 500. */
  timeoutMs?: number;
  /** How long `start()` (and so the store's `ready()`) waits for the first subscription, in ms. Default: 2 000. */
  startTimeoutMs?: number;
}

interface Wire {
  /** Sender instance, so an instance ignores its own echo. */
  i: string;
  k?: readonly string[];
  t?: readonly string[];
  a?: number;
}

/**
 * A Redis pub/sub bus. Subscribing needs a connection of its own (a subscribed connection cannot
 * send other commands), so the bus opens one with `client.duplicate()` and closes it on `close()`.
 * After a reconnect it tells its listener, which clears its in-process layer: invalidations sent
 * while it was away are lost.
 */
export function createRedisCacheBus(options: RedisCacheBusOptions): CacheBus {
  const { client } = options;
  const channel = options.channel ?? 'mcpkit:cache:bus';
  const timeoutMs = options.timeoutMs ?? 500;
  const startTimeoutMs = options.startTimeoutMs ?? 2_000;
  const id = randomUUID();
  let subscriber: RedisSubscriberLike | undefined;
  let connected = false;
  // True once messages may have been missed: the listener must drop what it holds in process.
  let gap = false;
  let closed = false;
  let started = false;
  requireRedisClient(client, 'The Redis cache bus');

  return {
    get connected() {
      return connected;
    },
    async start(listener) {
      if (subscriber) return;
      const sub = client.duplicate();
      subscriber = sub;
      // Without an error listener ioredis would crash the process on connection errors.
      sub.on('error', () => {});
      sub.on('close', () => {
        if (connected) gap = true;
        connected = false;
      });
      sub.on('message', (from, raw) => {
        if (from !== channel) return;
        let wire: Wire;
        try {
          wire = JSON.parse(raw) as Wire;
        } catch {
          return;
        }
        if (wire.i === id) return;
        listener.message({
          ...(wire.k ? { keys: wire.k } : {}),
          ...(wire.t ? { tags: wire.t } : {}),
          ...(wire.a !== undefined ? { at: wire.a } : {}),
        });
      });
      let pending: Promise<void> | undefined;
      const subscribe = () => {
        pending ??= sub
          .subscribe(channel)
          .then(
            () => {
              if (closed) return;
              connected = true;
              if (gap) {
                gap = false;
                listener.reconnected();
              }
            },
            () => {
              // Before start() returns nobody relies on the bus yet, so a failed first try is no gap.
              connected = false;
              if (started) gap = true;
            },
          )
          .finally(() => {
            pending = undefined;
          });
        return pending;
      };
      // Subscribing again on every ready covers a first attempt that failed while Redis was down
      // (or before the new connection was up, which is what happens with enableOfflineQueue off).
      sub.on('ready', () => {
        if (!connected) void subscribe();
      });
      await subscribe();
      const deadline = Date.now() + startTimeoutMs;
      while (!connected && !closed && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      started = true;
      if (!connected) gap = true;
    },
    async publish(message) {
      const wire: Wire = { i: id };
      if (message.keys?.length) wire.k = message.keys;
      if (message.tags?.length) wire.t = message.tags;
      if (message.at !== undefined) wire.a = message.at;
      await withTimeout(client.publish(channel, JSON.stringify(wire)), timeoutMs, 'publish');
    },
    async close() {
      closed = true;
      connected = false;
      const sub = subscriber;
      subscriber = undefined;
      if (!sub) return;
      try {
        await Promise.race([sub.quit(), new Promise((resolve) => setTimeout(resolve, 200).unref())]);
      } catch {
        // Quitting a connection that is already down fails; disconnecting below is enough.
      }
      sub.disconnect();
    },
  };
}
