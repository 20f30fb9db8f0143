import { inspect } from 'node:util';
import type * as z from 'zod';
import { registerSecrets } from '../observability/redact.js';

const SECRETS = new WeakSet<z.ZodType>();

/** Marks a config field as secret: its value is redacted whenever the config is logged or printed. */
export function secret<S extends z.ZodType>(schema: S): S {
  SECRETS.add(schema);
  return schema;
}

/** Thrown by {@link defineConfig} (with `exit: false`) when the environment does not satisfy the schema. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  - ${problems.join('\n  - ')}`,
    );
  }
}

/** Options of {@link defineConfig}. */
export interface ConfigOptions {
  /** Variables to read. Default: `process.env`. */
  env?: Record<string, string | undefined>;
  /** Print the problems to standard error and exit with code 1 on failure. Default: true; false throws {@link ConfigError}. */
  exit?: boolean;
}

const REDACTED = '[redacted]';

/**
 * True when `schema` was marked with {@link secret}, also after refinements (`.min()`, `.trim()`),
 * wrappers (`.optional()`, `.default()`) or pipes (`.transform()`) added on top of the mark.
 */
function isSecret(schema: z.ZodType): boolean {
  const seen = new Set<unknown>();
  const queue: unknown[] = [schema];
  while (queue.length > 0) {
    const current = queue.pop() as
      | { _zod?: { parent?: unknown; def?: { innerType?: unknown; in?: unknown } } }
      | undefined;
    if (!current || seen.has(current)) continue;
    seen.add(current);
    if (SECRETS.has(current as z.ZodType)) return true;
    queue.push(current._zod?.parent, current._zod?.def?.innerType, current._zod?.def?.in);
  }
  return false;
}

/**
 * Reads the environment once against a zod object schema. Every missing or malformed variable is
 * reported in one message (never with its value); on failure the process exits non-zero. Fields
 * wrapped in {@link secret} are redacted when the config is logged, inspected or serialized, and
 * their values are redacted from every log line, audit record, span and error payload (`redact()`).
 */
export function defineConfig<S extends z.ZodObject>(schema: S, options: ConfigOptions = {}): z.output<S> {
  const env = options.env ?? process.env;
  const shape = schema.shape as Record<string, z.ZodType>;
  const input: Record<string, unknown> = {};
  for (const key of Object.keys(shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      if (issue.path.length === 0) return issue.message;
      const key = String(issue.path[0]);
      if (input[key] !== undefined) return `${key}: ${issue.message}`;
      // An unset variable the schema itself requires, or one a rule of the object asks for (a
      // refinement such as "required when TLS_CERT is set"): that rule's message says why.
      return issue.code === 'invalid_type'
        ? `${key}: missing (required)`
        : `${key}: missing (${issue.message})`;
    });
    const error = new ConfigError(problems);
    if (options.exit === false) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  const secretKeys = Object.keys(shape).filter((key) => isSecret(shape[key] as z.ZodType));
  const config = parsed.data as Record<string, unknown>;
  // Declared secrets are redacted wherever they appear, not only when the config itself is printed.
  registerSecrets({
    values: secretKeys.flatMap((key) => {
      const value = config[key];
      return typeof value === 'string' || typeof value === 'number' ? [String(value)] : [];
    }),
  });
  const redacted = () => {
    const copy: Record<string, unknown> = { ...config };
    for (const key of secretKeys) if (copy[key] !== undefined) copy[key] = REDACTED;
    return copy;
  };
  Object.defineProperty(config, 'toJSON', { value: redacted, enumerable: false });
  Object.defineProperty(config, inspect.custom, { value: () => redacted(), enumerable: false });
  return config as z.output<S>;
}
