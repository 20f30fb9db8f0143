/**
 * The few commands the cache sends, typed structurally so the declarations do not pull ioredis
 * types into projects that never use Redis. An ioredis 5/6 `Redis` instance satisfies it as is.
 */
export interface RedisClientLike {
  getBuffer(key: string): Promise<Buffer | null>;
  set(key: string, value: Buffer | string, px: 'PX', ttlMs: number): Promise<unknown>;
  set(key: string, value: string, px: 'PX', ttlMs: number, nx: 'NX'): Promise<unknown>;
  mget(...keys: string[]): Promise<Array<string | null>>;
  del(...keys: string[]): Promise<number>;
  eval(script: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>;
  ping(): Promise<string>;
  publish(channel: string, message: string): Promise<number>;
  /** A second connection with the same options; the bus needs one for subscribing. */
  duplicate(): RedisSubscriberLike;
}

/** The subscriber side of a Redis connection (what `client.duplicate()` returns). */
export interface RedisSubscriberLike {
  subscribe(channel: string): Promise<unknown>;
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  on(event: 'ready' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  quit(): Promise<unknown>;
  disconnect(): void;
}
