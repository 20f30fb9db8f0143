import type { ToolMap, ToolsOf } from '@mcpkit/core';
import type { CallToolResult } from '@modelcontextprotocol/client';

/** A progress notification of a call. */
export interface CallProgress {
  progress: number;
  total?: number;
  message?: string;
}

/** Per-call options of a tool call. */
export interface ToolCallOptions {
  /** Cancels the call: the server is sent `notifications/cancelled` and the call rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Deadline of this call, retries included, overriding the client's `timeoutMs`. */
  timeoutMs?: number;
  /**
   * Receives the call's progress notifications (the client sends a progress token). For a call
   * that runs as a task, each new status message of the task arrives here (`progress` counts them).
   */
  onProgress?: (progress: CallProgress) => void;
  /**
   * Run the call as a task (Tasks extension, modern era): for a tool with `taskSupport: 'optional'`.
   * The call still resolves to the final result; the client polls the task, answers its questions
   * with the client's handlers and cancels it on abort or deadline. Tools with `'required'` run as
   * tasks without it, and in the legacy era every task-capable tool does (the extension is declared
   * for the session).
   */
  task?: boolean;
  /** Extra `_meta` for the request. */
  meta?: Record<string, unknown>;
  /**
   * Whether this call may be retried: overrides what the tool's annotations say
   * (`idempotentHint` or `readOnlyHint`). Only set it when you know repeating the call is safe.
   */
  idempotent?: boolean;
}

/**
 * The tool map a `createClient` type argument stands for: a server's (`typeof server`, builder or
 * built), a {@link ToolMap} written by hand for a server you do not own, or `undefined` (untyped).
 */
export type ServerTools<S> = [ToolsOf<S>] extends [never] ? (S extends ToolMap ? S : undefined) : ToolsOf<S>;

/** The arguments parameter of a tool: optional when the tool takes none (or all are optional). */
type ArgsParams<Args> = [Args] extends [Record<string, never>]
  ? [args?: Record<string, never>, options?: ToolCallOptions]
  : Partial<Args> extends Args
    ? [args?: Args, options?: ToolCallOptions]
    : [args: Args, options?: ToolCallOptions];

/**
 * What a typed tool call resolves to: the tool's structured output when it declares an output
 * schema, otherwise the whole `tools/call` result.
 */
export type ToolCallOutput<Output> = [Output] extends [undefined] ? CallToolResult : Output;

/**
 * `client.tools`: one method per tool of the server type, typed by the tool's input schema and
 * resolving to its typed output; a failed call rejects with a `RemoteError`. Without a server type,
 * any name is accepted, with untyped arguments and result.
 */
export type ToolCallers<Tools extends ToolMap | undefined> = Tools extends ToolMap
  ? {
      readonly [Name in keyof Tools & string]: (
        ...params: ArgsParams<Tools[Name]['args']>
      ) => Promise<ToolCallOutput<Tools[Name]['output']>>;
    }
  : {
      readonly [name: string]: (
        args?: Record<string, unknown>,
        options?: ToolCallOptions,
      ) => Promise<unknown>;
    };
