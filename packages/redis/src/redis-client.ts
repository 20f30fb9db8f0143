/**
 * The commands the Redis stores send, typed structurally so the declarations do not pull ioredis
 * types into a project's public types. An ioredis 5/6 `Redis` instance satisfies it as is.
 */
export interface RedisTaskClient {
  hgetall(key: string): Promise<Record<string, string>>;
  eval(script: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>;
  /** A second connection with the same options; the task signals need one for subscribing. */
  duplicate(): RedisTaskSubscriber;
}

/** The subscriber side of a Redis connection (what `client.duplicate()` returns). */
export interface RedisTaskSubscriber {
  /** `ready` once connected; ioredis's connection status. */
  readonly status: string;
  subscribe(channel: string): Promise<unknown>;
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  on(event: 'ready' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  once(event: 'ready', listener: () => void): unknown;
  removeListener(event: 'ready', listener: () => void): unknown;
  quit(): Promise<unknown>;
  disconnect(): void;
}
