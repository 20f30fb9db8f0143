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
 * A layer may call `next()` again once the previous call has settled — that is how a retry
 * middleware runs the rest of the chain another time — but never while one is still running.
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
      let running = false;
      const settled = () => {
        running = false;
      };
      const next = (): Promise<R> => {
        if (running) {
          return Promise.reject(new Error('next() called again before the previous call settled'));
        }
        running = true;
        const inner = run(i + 1);
        // Registered before the caller can attach its own handlers, so it runs first.
        inner.then(settled, settled);
        return inner;
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
