import type { ToolMap, ToolsOf } from '@mcpkit/core';
import type { CallToolResult } from '@modelcontextprotocol/client';
import type { CallOptions } from './call-options.js';

/**
 * The tool map a test client is typed by: the one of the server it was created from (builder or
 * built server, the same `ToolsOf` the client package reads), a {@link ToolMap} written by hand
 * (`connectTestClient<Tools>(url)`), or `undefined` (untyped: any name, any arguments). A server
 * whose type carries no tools (typed as plain `McpkitServer` or `ServerBuilder<ToolMap>`) gives
 * an untyped client as well.
 */
export type TestClientTools<S> = [ToolsOf<S>] extends [never]
  ? S extends ToolMap
    ? NonEmpty<S>
    : undefined
  : NonEmpty<ToolsOf<S>>;

/** A map with no names (`McpkitServer`) or any name (`ToolMap` itself) types nothing: untyped. */
type NonEmpty<Tools extends ToolMap> = [keyof Tools] extends [never]
  ? undefined
  : string extends keyof Tools
    ? undefined
    : Tools;

/** The names `callTool` accepts: the server's tool names, or any string when untyped. */
export type TestToolName<Tools extends ToolMap | undefined> = Tools extends ToolMap
  ? keyof Tools & string
  : string;

/** The parameters after the name: the arguments (optional when none are required) and the call options. */
export type TestCallParams<Tools extends ToolMap | undefined, Name extends string> = Tools extends ToolMap
  ? ArgsParams<Tools[Name]['args']>
  : [args?: Record<string, unknown>, options?: CallOptions];

type ArgsParams<Args> = [Args] extends [Record<string, never>]
  ? [args?: Record<string, never>, options?: CallOptions]
  : Partial<Args> extends Args
    ? [args?: Args, options?: CallOptions]
    : [args: Args, options?: CallOptions];

/**
 * A `tools/call` result whose `structuredContent` is typed by the tool's output schema. It stays
 * optional: an error result (`isError: true`) carries none. A tool without an output schema, or an
 * untyped client, gets the plain result.
 */
export type TypedCallToolResult<Output> = [Output] extends [undefined]
  ? CallToolResult
  : CallToolResult & { structuredContent?: Output };

/** What `callTool(name, …)` resolves to for a tool of the map. */
export type TestCallResult<Tools extends ToolMap | undefined, Name extends string> = Tools extends ToolMap
  ? TypedCallToolResult<Tools[Name]['output']>
  : CallToolResult;
