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

/**
 * An object of zod schemas, `{ a: z.string() }`, as the official SDK's `registerTool()` accepts it;
 * mcpkit reads it as `z.object(shape)`.
 */
export type ZodRawShape = z.core.$ZodShape;

/** Anything a tool, prompt or resource accepts as a schema. */
export type AnySchema = StandardSchemaV1 | JsonSchemaInput | ZodRawShape;

/** The parsed (output) type of a schema. */
export type Infer<S> = S extends StandardSchemaV1
  ? StandardSchemaV1.InferOutput<S>
  : S extends JsonSchemaInput
    ? Record<string, unknown>
    : S extends ZodRawShape
      ? z.output<z.ZodObject<S, z.core.$strip>>
      : never;

/**
 * The accepted (input) type of a schema: what a caller may send before defaults and transforms
 * apply. The same as {@link Infer} for schemas without either.
 */
export type InferInput<S> = S extends StandardSchemaV1
  ? StandardSchemaV1.InferInput<S>
  : S extends JsonSchemaInput
    ? Record<string, unknown>
    : S extends ZodRawShape
      ? z.input<z.ZodObject<S, z.core.$strip>>
      : never;

/** What a schema belongs to, for build-time error messages: `{ kind: 'tool', name: 'add' }`. */
export interface SchemaOwner {
  readonly kind: 'tool' | 'prompt';
  readonly name: string;
}

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

// zod 3 schemas (including those of the `zod/v3` export zod 4 still ships) carry `_def` but not
// the `_zod` internals that zod 4's JSON Schema converter reads.
function isZod3Schema(schema: unknown): boolean {
  return typeof schema === 'object' && schema !== null && '_def' in schema && !('_zod' in schema);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function label(owner: SchemaOwner | undefined, io: 'input' | 'output'): string {
  return owner ? `The ${io} schema of ${owner.kind} "${owner.name}"` : `The ${io} schema`;
}

function schemaError(
  owner: SchemaOwner | undefined,
  io: 'input' | 'output',
  message: string,
  hint: string,
): McpkitError {
  const details: Record<string, unknown> = { schema: io };
  if (owner) details[owner.kind] = owner.name;
  return new McpkitError('VALIDATION_FAILED', `${label(owner, io)} ${message}`, {
    retryable: false,
    hint,
    details,
  });
}

const ZOD3_HINT =
  'mcpkit needs zod >= 4 (import * as z from "zod" with zod 4 installed) or another Standard JSON Schema ' +
  'library (valibot, arktype); zod 3 schemas, also those of "zod/v3", cannot be converted to JSON Schema.';

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
function zodToJsonSchema(schema: z.ZodType, io: 'input' | 'output', owner?: SchemaOwner): JsonSchemaObject {
  const converted = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  if (converted.type !== 'object') {
    throw schemaError(owner, io, 'must describe an object.', 'Wrap the arguments in z.object({...}).');
  }
  return converted as JsonSchemaObject;
}

function compileZod(zod: z.ZodType, io: 'input' | 'output', owner?: SchemaOwner): CompiledSchema {
  return {
    jsonSchema: zodToJsonSchema(zod, io, owner),
    parse(value, what) {
      const result = zod.safeParse(value);
      if (result.success) return result.data;
      throw validationError(what, result.error.issues as StandardSchemaV1.Issue[]);
    },
  };
}

/** Reads an official-SDK-style raw shape as `z.object(shape)`, or says why it cannot. */
function compileRawShape(shape: Record<string, unknown>, io: 'input' | 'output', owner?: SchemaOwner) {
  const entries = Object.entries(shape);
  if (entries.some(([, value]) => isZod3Schema(value))) {
    throw schemaError(owner, io, 'uses zod 3 schemas.', ZOD3_HINT);
  }
  const stray = entries.find(([, value]) => !isZodSchema(value));
  if (stray) {
    const jsonLike = 'type' in shape || 'properties' in shape;
    throw schemaError(
      owner,
      io,
      jsonLike
        ? 'looks like a literal JSON Schema.'
        : `is neither a schema nor an object of zod schemas ("${stray[0]}" is not a zod schema).`,
      jsonLike
        ? 'Wrap a literal JSON Schema with jsonSchema({...}) from @mcpkit/core.'
        : 'Pass z.object({...}) (or any Standard JSON Schema), or an object whose every value is a zod 4 schema.',
    );
  }
  return compileZod(z.object(shape as ZodRawShape), io, owner);
}

/**
 * Compiles a schema once: converts it to JSON Schema and returns a validator. zod schemas use
 * their own converter; other Standard Schemas must expose `~standard.jsonSchema` or be wrapped.
 * A mistake (zod 3, a stray object) throws `VALIDATION_FAILED` naming `owner` and the fix.
 */
export function compileSchema(
  schema: AnySchema,
  io: 'input' | 'output' = 'input',
  owner?: SchemaOwner,
): CompiledSchema {
  if (typeof schema !== 'object' || schema === null) {
    throw schemaError(
      owner,
      io,
      `is a ${schema === null ? 'null' : typeof schema}, not a schema.`,
      'Pass z.object({...}), any Standard JSON Schema, or jsonSchema({...}).',
    );
  }
  if (isJsonSchemaInput(schema)) {
    const json = schema['~mcpkit.jsonSchema'];
    return { jsonSchema: json, parse: (value) => value ?? {} };
  }
  if (isZodSchema(schema)) return compileZod(schema, io, owner);
  if (isZod3Schema(schema)) throw schemaError(owner, io, 'is a zod 3 schema.', ZOD3_HINT);
  if (!('~standard' in schema)) {
    if (isPlainObject(schema)) return compileRawShape(schema, io, owner);
    throw schemaError(
      owner,
      io,
      'is not a schema.',
      'Pass z.object({...}), any Standard JSON Schema, or jsonSchema({...}).',
    );
  }
  const standard = schema['~standard'] as StandardSchemaV1['~standard'] & {
    jsonSchema?: { input?: (o: { target: string }) => Record<string, unknown> };
  };
  const toJson = standard.jsonSchema?.input;
  if (!toJson) {
    throw schemaError(
      owner,
      io,
      `(a "${standard.vendor}" Standard Schema) cannot be converted to JSON Schema.`,
      'Use zod >= 4 or another Standard JSON Schema library, or wrap a literal JSON Schema with jsonSchema({...}).',
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
