import type { Middleware } from '@mcpkit/core';

/**
 * What `next()` resolves to in a tool's middleware: the call result, with `structuredContent`
 * typed by the tool's output schema when it is not an error (core's `ToolResultOf<Out>`).
 */
export type ToolResult<Out = unknown> = Awaited<
  ReturnType<Parameters<Middleware<'tools/call', unknown, Out>>[1]>
>;
