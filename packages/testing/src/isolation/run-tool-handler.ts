import type { ToolCallContext } from '@mcpkit/core';
import { type MockContext, type MockContextOptions, mockContext } from './mock-context.js';

/** What {@link runToolHandler} observed. */
export interface ToolHandlerRun<R> {
  /** What the handler returned (awaited), before the server would turn it into a result. */
  value: R;
  /** The context it ran with: `recorded` holds its progress, logs and input requests. */
  context: MockContext<'tools/call'>;
}

/**
 * Calls a tool handler directly with `args` and a mock context that records progress, logs and
 * elicitation/sampling requests (answered by `options.elicitation` / `options.sampling`). No
 * validation runs: pass arguments as the handler receives them. Rejects with what it throws.
 */
export async function runToolHandler<Args, R>(
  handler: (args: Args, ctx: ToolCallContext<Args>) => R | Promise<R>,
  args: Args,
  options: MockContextOptions = {},
): Promise<ToolHandlerRun<Awaited<R>>> {
  const context = mockContext('tools/call', {
    ...options,
    args,
    arguments: options.arguments ?? (args as Record<string, unknown>),
  });
  const value = (await handler(args, context as unknown as ToolCallContext<Args>)) as Awaited<R>;
  return { value, context };
}
