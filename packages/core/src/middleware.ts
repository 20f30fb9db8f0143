import type { ContextOf, McpMethod, ResultOf } from './context.js';

/** Calls the rest of the chain and resolves to its result. */
export type Next<R> = () => Promise<R>;

/**
 * A middleware: an onion layer `(ctx, next) => result`. Narrow it to one method (or several) to
 * get that method's typed context and result, e.g. `Middleware<'tools/call'>`.
 */
export type Middleware<M extends McpMethod = McpMethod> = (
  ctx: ContextOf<M>,
  next: Next<ResultOf<M>>,
) => Promise<ResultOf<M>>;

/** A middleware bound to the methods it runs for (all methods when `methods` is undefined). */
export interface ScopedMiddleware {
  readonly methods: ReadonlySet<McpMethod> | undefined;
  readonly fn: Middleware<McpMethod>;
}

/**
 * Composes layers around a terminal handler into one function, once. The returned function
 * allocates nothing per call beyond the closures `next` needs.
 */
export function compose<C, R>(
  layers: ReadonlyArray<(ctx: C, next: Next<R>) => Promise<R>>,
  terminal: (ctx: C) => Promise<R>,
): (ctx: C) => Promise<R> {
  if (layers.length === 0) return terminal;
  return (ctx: C) => {
    let last = -1;
    const run = (i: number): Promise<R> => {
      if (i <= last) return Promise.reject(new Error('next() called more than once in one middleware'));
      last = i;
      const layer = layers[i];
      if (layer === undefined) return terminal(ctx);
      try {
        return layer(ctx, () => run(i + 1));
      } catch (error) {
        return Promise.reject(error);
      }
    };
    return run(0);
  };
}
