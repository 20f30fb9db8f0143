import type { StdioHeaderSource } from '@mcpkit/core';

/** The part of a "credential missing" hint that tells a stdio server's launcher what to set. */
export function onStdio(variable: string | false): string {
  return variable === false ? '' : ` (over stdio: set ${variable} in the server's launch environment)`;
}

/**
 * A stdio header source that presents environment variable `variable` as request header `header`
 * (through `format`, e.g. to add `Bearer `); none when `variable` is `false`. Surrounding
 * whitespace is trimmed, since launchers and shells easily add a trailing newline.
 */
export function credentialFromEnv(
  variable: string | false,
  header: string,
  format: (credential: string) => string = (credential) => credential,
): StdioHeaderSource | undefined {
  if (variable === false) return undefined;
  return (env) => {
    const credential = env[variable]?.trim();
    return { [header]: credential ? format(credential) : undefined };
  };
}
