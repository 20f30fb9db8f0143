import {
  type Cache,
  type CacheStore,
  cache,
  createCache,
  createMemoryCacheStore,
  createRedisCacheStore,
  invalidate,
  invalidates,
  type RedisClientLike,
} from '@mcpkit/cache';
import { type BaseContext, createServer, type Middleware } from '@mcpkit/core';
import type { Redis } from 'ioredis';
import { describe, expectTypeOf, it } from 'vitest';
import * as z from 'zod';

describe('public types', () => {
  it('types computed tags as plain records outside a tool', () => {
    const global = cache({
      tags: (args, result) => {
        expectTypeOf(args).toEqualTypeOf<Record<string, unknown>>();
        expectTypeOf(result.isError).toEqualTypeOf<boolean | undefined>();
        return [`doc:${String(args.id)}`];
      },
    });
    expectTypeOf(global).toEqualTypeOf<Middleware<'tools/call', Record<string, unknown>>>();
    expectTypeOf(invalidates(['docs'])).toEqualTypeOf<Middleware<'tools/call', Record<string, unknown>>>();
  });

  it('infers cache() arguments from the tool it is used on, with no type argument', () => {
    createServer({ name: 't', version: '1' }).tool('get', {
      description: 'Reads a document',
      input: z.object({ id: z.string(), page: z.number().optional() }),
      use: [
        cache({
          key: (args, ctx) => {
            expectTypeOf(args).toEqualTypeOf<{ id: string; page?: number | undefined }>();
            expectTypeOf(ctx.args).toEqualTypeOf<{ id: string; page?: number | undefined }>();
            return args.id;
          },
          tags: (args) => {
            expectTypeOf(args.id).toEqualTypeOf<string>();
            return [`doc:${args.id.toUpperCase()}`];
          },
        }),
        // @ts-expect-error the tool has no `name` argument
        cache({ tags: (args) => [args.name] }),
      ],
      handler: (args) => args.id,
    });
  });

  it('infers invalidates() arguments from the tool it is used on, with no type argument', () => {
    createServer({ name: 't', version: '1' }).tool('update', {
      description: 'Updates a document',
      input: { id: z.string(), body: z.string() },
      use: [
        invalidates((args) => {
          expectTypeOf(args).toEqualTypeOf<{ id: string; body: string }>();
          return [`doc:${args.id}`];
        }),
        // @ts-expect-error the tool has no `docId` argument
        invalidates((args) => [`doc:${args.docId}`]),
      ],
      handler: (args) => args.body,
    });
  });

  it('types the result tags see by the tool output schema', () => {
    createServer({ name: 't', version: '1' }).tool('create', {
      description: 'Creates a document',
      input: { title: z.string() },
      output: z.object({ id: z.string(), version: z.number() }),
      use: [
        cache({
          tags: (_args, result) => (result.isError ? [] : [`doc:${result.structuredContent?.id}`]),
        }),
        invalidates((_args, result) => {
          if (result.isError) return [];
          expectTypeOf(result.structuredContent?.version).toEqualTypeOf<number | undefined>();
          return [`doc:${result.structuredContent?.id}`];
        }),
        // @ts-expect-error the output has no `slug` field
        invalidates((_args, result) => (result.isError ? [] : [String(result.structuredContent?.slug)])),
      ],
      handler: (args) => ({ id: args.title, version: 1 }),
    });
  });

  it('keeps tags of a tool without an input schema to no arguments', () => {
    createServer({ name: 't', version: '1' }).tool('list', {
      description: 'Lists documents',
      use: [
        cache({ tags: ['docs'] }),
        // @ts-expect-error a tool without input has no arguments
        invalidates((args) => [args.id]),
      ],
      handler: () => 'none',
    });
  });

  it('puts the installed cache on ctx.state', () => {
    expectTypeOf<BaseContext['state']['cache']>().toEqualTypeOf<Cache | undefined>();
    expectTypeOf(invalidate).parameters.toEqualTypeOf<[BaseContext, readonly string[]]>();
  });

  it('infers getOrSet values from the loader', () => {
    const c = createCache({ store: createMemoryCacheStore() });
    expectTypeOf(c.getOrSet('k', () => ({ n: 1 }))).resolves.toEqualTypeOf<{ n: number }>();
    expectTypeOf(c.getOrSet('k', async () => 'x')).resolves.toEqualTypeOf<string>();
  });

  it('accepts an ioredis client without ioredis in its own types', () => {
    expectTypeOf<Redis>().toMatchTypeOf<RedisClientLike>();
    expectTypeOf(createRedisCacheStore).returns.toEqualTypeOf<CacheStore>();
  });
});
