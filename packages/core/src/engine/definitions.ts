import type {
  CompleteResult,
  GetPromptResult,
  Icon,
  PromptMessage,
  ReadResourceResult,
  ToolAnnotations,
} from '@modelcontextprotocol/server';
import type { ToolReturn } from '../protocol/content.js';
import type { TaskSupport } from '../protocol/tasks.js';
import type { BaseContext, PromptGetContext, ResourceReadContext, ToolCallContext } from './context.js';
import type { Middleware } from './middleware.js';
import type { AnySchema, Infer, StandardSchemaV1 } from './schema.js';
import type { ToolTaskOptions } from './tasks/tasks.js';

/** Options of `.tool(name, {...})`. */
export interface ToolOptions<In extends AnySchema | undefined, Out extends AnySchema | undefined> {
  /** Human-readable name for UIs. */
  title?: string;
  /** What the tool does, for the model. Required (a blank one throws `VALIDATION_FAILED`): clients and the conformance suite expect one. */
  description: string;
  /** Schema of the arguments (zod object, raw shape of zod schemas, Standard Schema, or `jsonSchema({...})`). Default: no arguments. */
  input?: In;
  /** Schema of `structuredContent`. When set, handlers may return the structured value itself. */
  output?: Out;
  /** Behaviour hints for clients (`readOnlyHint`, `destructiveHint`, `idempotentHint`, `openWorldHint`). */
  annotations?: ToolAnnotations;
  /** Icons for UIs. */
  icons?: Icon[];
  /** Extra `_meta` published with the tool listing. */
  meta?: Record<string, unknown>;
  /**
   * Whether a call may (`'optional'`), must (`'required'`) or must not (`'forbidden'`) run as a
   * task of the Tasks extension: it then answers at once with a task the client polls, answers
   * and cancels. Only clients that declare the extension get tasks; a `'required'` tool refuses
   * the others with `-32021`. Default: `'forbidden'`.
   */
  taskSupport?: TaskSupport;
  /** How the tool runs as a task: retention, poll interval, and when it detaches. */
  task?: ToolTaskOptions;
  /**
   * Middleware for this tool only; they run inside the global chain, after argument validation.
   * Each one sees this tool's inferred arguments (`ctx.args`) and output, so `cache({ tags: (args) => … })`
   * needs no type argument.
   */
  use?: ReadonlyArray<
    Middleware<
      'tools/call',
      In extends AnySchema ? Infer<In> : Record<string, never>,
      Out extends AnySchema ? Infer<Out> : unknown
    >
  >;
  /** The handler: receives the validated arguments and the request context. */
  handler: (
    args: In extends AnySchema ? Infer<In> : Record<string, never>,
    ctx: ToolCallContext<In extends AnySchema ? Infer<In> : Record<string, never>>,
  ) =>
    | Promise<ToolReturn<Out extends AnySchema ? Infer<Out> : never>>
    | ToolReturn<Out extends AnySchema ? Infer<Out> : never>;
}

/** Completion callback: returns candidate values for a partially typed argument. */
export type Completer = (
  value: string,
  context: { arguments: Readonly<Record<string, string>>; ctx: BaseContext },
) => Promise<string[] | CompleteResult['completion']> | string[] | CompleteResult['completion'];

/** What a resource reader may return: a full result, text, or one contents entry without its URI. */
export type ResourceReturn =
  | ReadResourceResult
  | string
  | { text: string; mimeType?: string }
  | { blob: string; mimeType?: string };

/** Options shared by static resources and templates. */
interface ResourceCommon {
  /** Programmatic name. */
  name: string;
  /** Human-readable name for UIs. */
  title?: string;
  /** What the resource holds. */
  description?: string;
  /** Default MIME type of the contents. */
  mimeType?: string;
  /** Icons for UIs. */
  icons?: Icon[];
  /** Extra `_meta` published with the listing. */
  meta?: Record<string, unknown>;
  /** Cache hint for modern-era `resources/read` responses, in milliseconds. */
  ttlMs?: number;
}

/** Options of `.resource(uri, {...})` for a fixed URI. */
export interface ResourceOptions extends ResourceCommon {
  /** Size in bytes, when known. */
  size?: number;
  read: (uri: string, ctx: ResourceReadContext) => Promise<ResourceReturn> | ResourceReturn;
}

/** The variable names of an RFC 6570 URI template literal type (`notes://{id}/{rev}` → `'id' | 'rev'`). */
export type TemplateVariables<T extends string> = T extends `${string}{${infer Expr}}${infer Rest}`
  ? (
      Expr extends `${'+' | '#' | '.' | '/' | ';' | '?' | '&'}${infer Names}`
        ? Names
        : Expr
    ) extends infer Names extends string
    ? SplitNames<Names> | TemplateVariables<Rest>
    : never
  : never;

type SplitNames<S extends string> = S extends `${infer Head},${infer Tail}`
  ? StripModifier<Head> | SplitNames<Tail>
  : StripModifier<S>;
type StripModifier<S extends string> = S extends `${infer Name}*`
  ? Name
  : S extends `${infer Name}:${string}`
    ? Name
    : S;

/** True when a URI literal type contains a `{variable}`. */
export type IsTemplate<T extends string> = T extends `${string}{${string}}${string}` ? true : false;

/** Options of `.resource(template, {...})` for an RFC 6570 URI template such as `notes://{id}`. */
export interface ResourceTemplateOptions<Vars extends string = string> extends ResourceCommon {
  read: (
    uri: string,
    variables: Record<Vars, string>,
    ctx: ResourceReadContext,
  ) => Promise<ResourceReturn> | ResourceReturn;
  /** Completions for template variables, by variable name. */
  complete?: Partial<Record<Vars, Completer>>;
}

/** What a prompt may return: a full result, a user message text, or messages. */
export type PromptReturn = GetPromptResult | string | PromptMessage[];

/** Options of `.prompt(name, {...})`. */
export interface PromptOptions<Args extends StandardSchemaV1 | undefined> {
  title?: string;
  /** What the prompt is for. Required: clients and the conformance suite expect one. */
  description: string;
  /** Arguments as a zod object of strings; each key becomes a prompt argument (optional keys are not required). */
  args?: Args;
  /** Completions for arguments, by argument name. */
  complete?: Args extends StandardSchemaV1 ? Partial<Record<keyof Infer<Args> & string, Completer>> : never;
  icons?: Icon[];
  meta?: Record<string, unknown>;
  get: (
    args: Args extends StandardSchemaV1 ? Infer<Args> : Record<string, never>,
    ctx: PromptGetContext,
  ) => Promise<PromptReturn> | PromptReturn;
}

/** Outcome of a health check: `true`/void for healthy, `false` or a detail object otherwise. */
export type HealthCheckResult = boolean | undefined | { healthy: boolean; details?: Record<string, unknown> };

/** A readiness check registered with `.health(name, check)`; throwing counts as unhealthy. */
export type HealthCheck = () => Promise<HealthCheckResult | void> | HealthCheckResult | void;
