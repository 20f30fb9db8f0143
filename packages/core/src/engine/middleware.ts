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
