import { createRedactor, type RedactOptions, redact } from '@mcpkit/core';

/** Options of {@link redactSecrets} (core's `RedactOptions`). */
export type RedactSecretsOptions = RedactOptions;

/**
 * A copy of `value` with secrets replaced. The same function as core's `redact()`: every mcpkit
 * package redacts through that one path, so this name stays for code written against it.
 */
export const redactSecrets: (value: unknown, options?: RedactSecretsOptions) => unknown = redact;

/** A redactor with its options resolved once, for use on a hot path (core's `createRedactor()`). */
export const createSecretRedactor: (options?: RedactSecretsOptions) => (value: unknown) => unknown =
  createRedactor;
