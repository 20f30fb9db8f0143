import {
  type Cache,
  type CacheStore,
  cache,
  createCache,
  invalidate,
  invalidates,
  memoryStore,
  type RedisClientLike,
  redisStore,
} from '@mcpkit/cache';
import type { BaseContext, Middleware } from '@mcpkit/core';
import type { Redis } from 'ioredis';
import { describe, expectTypeOf, it } from 'vitest';

describe('public types', () => {
  it('types computed tags by the declared arguments', () => {
    cache<{ id: string }>({
      tags: (args, result) => {
        expectTypeOf(args.id).toEqualTypeOf<string>();
        expectTypeOf(result.isError).toEqualTypeOf<boolean | undefined>();
        return [`doc:${args.id}`];
      },
    });
    expectTypeOf(invalidates<{ id: string }>((args) => [args.id])).toEqualTypeOf<Middleware<'tools/call'>>();
  });

  it('puts the installed cache on ctx.state', () => {
    expectTypeOf<BaseContext['state']['cache']>().toEqualTypeOf<Cache | undefined>();
    expectTypeOf(invalidate).parameters.toEqualTypeOf<[BaseContext, readonly string[]]>();
  });

  it('infers getOrSet values from the loader', () => {
    const c = createCache({ store: memoryStore() });
    expectTypeOf(c.getOrSet('k', () => ({ n: 1 }))).resolves.toEqualTypeOf<{ n: number }>();
    expectTypeOf(c.getOrSet('k', async () => 'x')).resolves.toEqualTypeOf<string>();
  });

  it('accepts an ioredis client without ioredis in its own types', () => {
    expectTypeOf<Redis>().toMatchTypeOf<RedisClientLike>();
    expectTypeOf(redisStore).returns.toEqualTypeOf<CacheStore>();
  });
});
