import { isMcpkitError } from '@mcpkit/core';
import { createRedisRateLimitStore } from '@mcpkit/middleware';
import { describe, expect, it } from 'vitest';

// ioredis is an optional peer: the middleware never imports it, the app passes its client.
describe('the Redis rate-limit store without a client', () => {
  it('is refused where it is built, with VALIDATION_FAILED and a hint naming ioredis', () => {
    let error: unknown;
    try {
      createRedisRateLimitStore({ client: undefined as never });
    } catch (caught) {
      error = caught;
    }
    expect(isMcpkitError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((error as Error).message).toContain('The Redis rate-limit store needs a Redis client');
    expect((error as { hint?: string }).hint).toContain('npm install ioredis');
  });
});
