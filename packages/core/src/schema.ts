import * as z from 'zod';
import { McpkitError } from './errors.js';

/** The Standard Schema v1 interface (https://standardschema.dev), which zod 4, valibot and arktype implement. */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (
      value: unknown,
    ) => StandardSchemaV1.Result<Output> | Promise<StandardSchemaV1.Result<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  };
}

/** Types of the Standard Schema v1 interface. */
export declare namespace StandardSchemaV1 {
  type Result<Output> =
    | { readonly value: Output; readonly issues?: undefined }
    | { readonly issues: ReadonlyArray<Issue> };
  interface Issue {
    readonly message: string;
    readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
  }
  type InferInput<S extends StandardSchemaV1> = NonNullable<S['~standard']['types']>['input'];
  type InferOutput<S extends StandardSchemaV1> = NonNullable<S['~standard']['types']>['output'];
}

/** A JSON Schema object, as sent in `inputSchema` / `outputSchema`. */
export type JsonSchemaObject = { type: 'object'; [key: string]: unknown };

/**
 * A schema given as plain JSON Schema, for tools whose contract is written as JSON Schema rather
 * than zod. Arguments are passed through untyped; validate them yourself if you need to.
 */
export interface JsonSchemaInput {
  readonly '~mcpkit.jsonSchema': JsonSchemaObject;
}

/** Wraps a literal JSON Schema (kept byte for byte in listings) for use as a tool's `input`. */
export function jsonSchema(schema: JsonSchemaObject): JsonSchemaInput {
  return { '~mcpkit.jsonSchema': schema };
}

/** Anything a tool, prompt or resource accepts as a schema. */
export type AnySchema = StandardSchemaV1 | JsonSchemaInput;

/** The parsed (output) type of a schema. */
export type Infer<S> = S extends StandardSchemaV1
  ? StandardSchemaV1.InferOutput<S>
  : S extends JsonSchemaInput
    ? Record<string, unknown>
    : never;

/** A validation issue with a dotted path, safe to show the client. */
export interface FieldIssue {
  path: string;
  message: string;
}

/** A schema compiled once at build time: its JSON Schema and a validator. */
export interface CompiledSchema {
  readonly jsonSchema: JsonSchemaObject;
  /** Returns the parsed value or throws `VALIDATION_FAILED` naming the offending fields. */
  parse(value: unknown, what: string): unknown | Promise<unknown>;
}

function isJsonSchemaInput(schema: AnySchema): schema is JsonSchemaInput {
  return '~mcpkit.jsonSchema' in schema;
}

function isZodSchema(schema: unknown): schema is z.ZodType {
  return typeof schema === 'object' && schema !== null && '_zod' in schema;
}

function dotted(path: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined): string {
  if (!path || path.length === 0) return '(root)';
  return path.map((p) => String(typeof p === 'object' ? p.key : p)).join('.');
}

function validationError(what: string, issues: ReadonlyArray<StandardSchemaV1.Issue>): McpkitError {
  const fields: FieldIssue[] = issues.map((issue) => ({ path: dotted(issue.path), message: issue.message }));
  const summary = fields.map((f) => `${f.path}: ${f.message}`).join('; ');
  return new McpkitError('VALIDATION_FAILED', `Invalid ${what}: ${summary}`, {
    retryable: false,
    hint: `Fix ${fields.map((f) => f.path).join(', ')} to match the schema and call again.`,
    details: { issues: fields },
  });
}

/** Converts a zod schema to a JSON Schema 2020-12 object once. */
function zodToJsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchemaObject {
  const converted = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  if (converted.type !== 'object') {
    throw new McpkitError('VALIDATION_FAILED', 'A tool schema must describe an object.', {
      hint: 'Wrap the arguments in z.object({...}).',
    });
  }
  return converted as JsonSchemaObject;
}

/**
 * Compiles a schema once: converts it to JSON Schema and returns a validator. zod schemas use
 * their own converter; other Standard Schemas must expose `~standard.jsonSchema` or be wrapped.
 */
export function compileSchema(schema: AnySchema, io: 'input' | 'output' = 'input'): CompiledSchema {
  if (isJsonSchemaInput(schema)) {
    const json = schema['~mcpkit.jsonSchema'];
    return { jsonSchema: json, parse: (value) => value ?? {} };
  }
  if (isZodSchema(schema)) {
    const zod = schema;
    return {
      jsonSchema: zodToJsonSchema(zod, io),
      parse(value, what) {
        const result = zod.safeParse(value);
        if (result.success) return result.data;
        throw validationError(what, result.error.issues as StandardSchemaV1.Issue[]);
      },
    };
  }
  const standard = schema['~standard'] as StandardSchemaV1['~standard'] & {
    jsonSchema?: { input?: (o: { target: string }) => Record<string, unknown> };
  };
  const toJson = standard.jsonSchema?.input;
  if (!toJson) {
    throw new McpkitError(
      'VALIDATION_FAILED',
      `Schema from "${standard.vendor}" cannot be converted to JSON Schema.`,
      {
        hint: 'Use zod, a Standard JSON Schema implementation, or wrap a literal schema with jsonSchema({...}).',
      },
    );
  }
  const json = toJson({ target: 'draft-2020-12' }) as JsonSchemaObject;
  return {
    jsonSchema: json,
    parse(value, what) {
      const settle = (result: StandardSchemaV1.Result<unknown>) => {
        if (result.issues) throw validationError(what, result.issues);
        return result.value;
      };
      const outcome = standard.validate(value);
      return outcome instanceof Promise ? outcome.then(settle) : settle(outcome);
    },
  };
}
