/** The private `_meta` key a client call carries to the channel; removed before the message leaves. */
export const CALL_MARK = 'dev.mcpkit/call';

/** What a tool call tells the channel, should its answer be a task. */
export interface CallMark {
  /** Declare the Tasks extension on this call (modern era; the legacy era declared it at `initialize`). */
  task: boolean;
  /** The caller's cancellation: the task is cancelled with `tasks/cancel`. */
  signal?: AbortSignal | undefined;
  /** When the call's deadline passes (epoch ms): the task is cancelled. */
  deadline: number;
}

/** A `tools/call`'s params split into the mark's key (when it carries one) and the rest of its `_meta`. */
export function withoutMark(params: Record<string, unknown>): {
  markKey: number | undefined;
  meta: Record<string, unknown>;
} {
  const { [CALL_MARK]: key, ...meta } = (params._meta ?? {}) as Record<string, unknown>;
  return { markKey: typeof key === 'number' ? key : undefined, meta };
}
