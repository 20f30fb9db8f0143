import type { ContextOf, McpMethod, ResultOf, ToolCallContext } from './context.js';

/** Calls the rest of the chain and resolves to its result. */
export type Next<R> = () => Promise<R>;

/**
 * What `next()` resolves to in a tool's middleware: the call result, whose `structuredContent` is
 * the tool's output type when the result is not an error. Without an output type it is the plain
 * `tools/call` result.
 */
export type ToolResultOf<Out = unknown> = unknown extends Out
  ? ResultOf<'tools/call'>
  : {
      [K in keyof ResultOf<'tools/call'> as K extends 'structuredContent' | 'isError'
        ? never
        : K]: ResultOf<'tools/call'>[K];
    } & (
      | { isError: true; structuredContent?: Record<string, unknown> }
      | { isError?: false; structuredContent?: Out }
    );

/** The result type of a layer: a tool's middleware may hand back what `next()` gave it. */
type LayerResult<M extends McpMethod, Out> = unknown extends Out
  ? ResultOf<M>
  : [M] extends ['tools/call']
    ? ToolResultOf<Out>
    : ResultOf<M>;

/**
 * A middleware: an onion layer `(ctx, next) => result`. Narrow it to one method (or several) to
 * get that method's typed context and result, e.g. `Middleware<'tools/call'>`.
 *
 * For `tools/call`, `Args` and `Out` type the tool's validated arguments (`ctx.args`) and the
 * `structuredContent` of what `next()` resolves to. In a tool's `use: [...]` they are the tool's
 * inferred input and output, so a middleware factory generic in them (`cache()`, `invalidates()`
 * or your own) gets them without a type argument.
 */
export type Middleware<M extends McpMethod = McpMethod, Args = unknown, Out = unknown> = (
  ctx: [M] extends ['tools/call'] ? ToolCallContext<Args> : ContextOf<M>,
  next: Next<LayerResult<M, Out>>,
) => Promise<LayerResult<M, Out> | ResultOf<M>>;

/** A middleware bound to the methods it runs for (all methods when `methods` is undefined). */
export interface ScopedMiddleware {
  readonly methods: ReadonlySet<McpMethod> | undefined;
  readonly fn: Middleware<McpMethod>;
}

/**
 * Composes layers around a terminal handler into one function, once. The returned function
 * allocates nothing per call beyond the closures `next` needs.
 *
 * A layer may call `next()` again — that is how a retry middleware runs the rest of the chain
 * another time. A call made while the previous run is still going waits for it to settle first, so
 * the inner layers and the handler never run twice at once for one request.
 */
export function compose<C, R>(
  layers: ReadonlyArray<(ctx: C, next: Next<R>) => Promise<R>>,
  terminal: (ctx: C) => Promise<R>,
): (ctx: C) => Promise<R> {
  if (layers.length === 0) return terminal;
  return (ctx: C) => {
    const run = (i: number): Promise<R> => {
      const layer = layers[i];
      if (layer === undefined) return terminal(ctx);
      // The first call costs nothing extra; a later one chains behind the previous run.
      let previous: Promise<R> | undefined;
      const next = (): Promise<R> => {
        if (previous === undefined) previous = run(i + 1);
        else {
          const again = () => run(i + 1);
          previous = previous.then(again, again);
        }
        return previous;
      };
      try {
        return layer(ctx, next);
      } catch (error) {
        return Promise.reject(error);
      }
    };
    return run(0);
  };
}
