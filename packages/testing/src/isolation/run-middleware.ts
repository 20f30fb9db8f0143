import type { McpMethod, Middleware, ResultOf } from '@mcpkit/core';
import { type MockContext, type MockContextOptions, mockContext } from './mock-context.js';

/** Options of {@link runMiddleware}. */
export interface RunMiddlewareOptions<M extends McpMethod> extends MockContextOptions {
  /** The method the request is for. Default: `tools/call`. */
  method?: M;
  /**
   * The stub of the layers inside: what `next()` resolves to (it may throw to play a failing
   * handler). Default: an empty result of the method (`{ content: [] }` for a tool call).
   */
  next?: (ctx: MockContext<M>) => ResultOf<M> | Promise<ResultOf<M>>;
}

/** What {@link runMiddleware} observed. */
export interface MiddlewareRun<M extends McpMethod> {
  /** What the middleware resolved to. */
  result: ResultOf<M>;
  /** How many times it called `next()` (0 when it short-circuited). */
  nextCalls: number;
  /** The context it ran with, after it ran (`auth`, `state`, `signal` as it left them; `recorded`). */
  context: MockContext<M>;
}

const EMPTY: { [M in McpMethod]: () => ResultOf<M> } = {
  ping: () => ({}) as ResultOf<'ping'>,
  'tools/list': () => ({ tools: [] }),
  'tools/call': () => ({ content: [] }),
  'resources/list': () => ({ resources: [] }),
  'resources/templates/list': () => ({ resourceTemplates: [] }),
  'resources/read': () => ({ contents: [] }),
  'prompts/list': () => ({ prompts: [] }),
  'prompts/get': () => ({ messages: [] }),
  'completion/complete': () => ({ completion: { values: [] } }),
};

/**
 * Runs one middleware against a hand-made context (see `mockContext`) and a stub `next`, without
 * a server. Rejects with what the middleware threw, so a refusal is asserted with `rejects`.
 */
export async function runMiddleware<M extends McpMethod = 'tools/call'>(
  middleware: Middleware<M> | Middleware,
  options: RunMiddlewareOptions<M> = {},
): Promise<MiddlewareRun<M>> {
  const method = options.method ?? ('tools/call' as M);
  const context = mockContext(method, options);
  let nextCalls = 0;
  const next = async () => {
    nextCalls++;
    return options.next ? options.next(context) : EMPTY[method]();
  };
  const run = middleware as unknown as (
    ctx: MockContext<M>,
    next: () => Promise<ResultOf<M>>,
  ) => Promise<ResultOf<M>>;
  const result = await run(context, next);
  return { result, nextCalls, context };
}
