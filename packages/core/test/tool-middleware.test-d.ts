import { createServer, type Middleware } from '@mcpkit/core';
import { describe, expectTypeOf, it } from 'vitest';
import * as z from 'zod';

/** A user-written per-tool middleware factory: generic in the tool's arguments and output. */
function requireOwner<Args, Out>(ownerOf: (args: Args) => string): Middleware<'tools/call', Args, Out> {
  return async (ctx, next) => {
    if (ownerOf(ctx.args) !== ctx.auth?.subject) throw new Error('not the owner');
    return next();
  };
}

/** A factory that reads the result: its callback sees the tool's structured output. */
function onSuccess<Args, Out>(
  see: (args: Args, output: Out | undefined) => void,
): Middleware<'tools/call', Args, Out> {
  return async (ctx, next) => {
    const result = await next();
    // Inside a factory generic in Out the result type is still open, so the output is asserted here.
    if (!result.isError) see(ctx.args, result.structuredContent as Out | undefined);
    return result;
  };
}

describe('per-tool middleware typing', () => {
  it('gives a user-written middleware factory the tool arguments with no type argument', () => {
    createServer({ name: 't', version: '1' }).tool('invoice', {
      description: 'Reads an invoice',
      input: z.object({ invoiceId: z.string(), owner: z.string() }),
      use: [
        requireOwner((args) => {
          expectTypeOf(args).toEqualTypeOf<{ invoiceId: string; owner: string }>();
          return args.owner;
        }),
        // @ts-expect-error the tool has no `customer` argument
        requireOwner((args) => args.customer),
      ],
      handler: (args) => args.invoiceId,
    });
  });

  it('types ctx.args and the structured result of an inline per-tool middleware', () => {
    createServer({ name: 't', version: '1' }).tool('sum', {
      description: 'Adds',
      input: { a: z.number(), b: z.number() },
      output: z.object({ total: z.number() }),
      use: [
        async (ctx, next) => {
          expectTypeOf(ctx.args).toEqualTypeOf<{ a: number; b: number }>();
          // @ts-expect-error the tool has no `c` argument
          ctx.args.c;
          const result = await next();
          if (!result.isError)
            expectTypeOf(result.structuredContent?.total).toEqualTypeOf<number | undefined>();
          return result;
        },
        onSuccess((args, output) => {
          expectTypeOf(args.a).toEqualTypeOf<number>();
          expectTypeOf(output?.total).toEqualTypeOf<number | undefined>();
          // @ts-expect-error the output has no `sum` field
          output?.sum;
        }),
      ],
      handler: (args) => ({ total: args.a + args.b }),
    });
  });

  it('still accepts a method-generic middleware and an untyped tools/call middleware in use', () => {
    const anyTool: Middleware<'tools/call'> = async (_ctx, next) => next();
    const everyMethod =
      <M extends 'tools/call' | 'prompts/get'>(): Middleware<M> =>
      async (_ctx, next) =>
        next();
    createServer({ name: 't', version: '1' }).tool('echo', {
      description: 'Echoes',
      input: { text: z.string() },
      use: [anyTool, everyMethod()],
      handler: (args) => args.text,
    });
    expectTypeOf<Parameters<Middleware<'tools/call'>>[0]['args']>().toEqualTypeOf<unknown>();
  });
});
