import type { AnySchema, Infer, InferInput } from './schema.js';

/**
 * The types of one registered tool as a caller sees them: the arguments it accepts (the input
 * schema's input type) and the `structuredContent` it returns (the output schema's type, or
 * `undefined` when the tool declares none). The builder collects one per `.tool()` call.
 */
export interface ToolSignature<Args = unknown, Output = unknown> {
  /** The arguments a caller may send. */
  readonly args: Args;
  /** The tool's `structuredContent`, or `undefined` without an output schema. */
  readonly output: Output;
}

/** Tool name → {@link ToolSignature}: what a typed client reads off a server's type. */
export type ToolMap = { readonly [name: string]: ToolSignature };

/** The signature `.tool(name, { input, output })` adds to a builder's {@link ToolMap}. */
export type ToolSignatureOf<In, Out> = ToolSignature<
  In extends AnySchema ? InferInput<In> : Record<string, never>,
  Out extends AnySchema ? Infer<Out> : undefined
>;
