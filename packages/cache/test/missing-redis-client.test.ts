import { createRedisCacheBus, createRedisCacheStore } from '@mcpkit/cache';
import { isMcpkitError } from '@mcpkit/core';
import { describe, expect, it } from 'vitest';

// ioredis is an optional peer: the cache never imports it, the app passes its client. A Redis
// feature built without one is refused where it is built, with a code and the install line.
function refusal(build: () => unknown) {
  try {
    build();
  } catch (error) {
    return error;
  }
  throw new Error('built without a client');
}

describe('Redis features without a client', () => {
  it.each([
    ['the Redis cache store', () => createRedisCacheStore({ client: undefined as never })],
    ['the Redis cache bus', () => createRedisCacheBus({ client: undefined as never })],
  ])('%s is refused with VALIDATION_FAILED and a hint naming ioredis', (feature, build) => {
    const error = refusal(build);
    expect(isMcpkitError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((error as Error).message).toContain(`${feature.replace('the', 'The')} needs a Redis client`);
    expect((error as { hint?: string }).hint).toContain('npm install ioredis');
  });
});
