/**
 * Turns a stdio server's launch environment into headers every request on the connection carries
 * in `ctx.headers`: the stdio counterpart of what an HTTP client sends with each request. Auth
 * plugins register one so a launcher (an `mcpServers` entry's `env`) can hand the server the same
 * credential an HTTP client would send. Return `undefined` for a header to leave it out.
 */
export type StdioHeaderSource = (
  env: Readonly<Record<string, string | undefined>>,
) => Readonly<Record<string, string | undefined>>;

/**
 * The headers of a stdio connection: every source's headers in registration order (later ones
 * win), then the explicit ones. Names are lower-cased like HTTP headers; empty values are dropped.
 */
export function resolveStdioHeaders(
  sources: readonly StdioHeaderSource[],
  env: Readonly<Record<string, string | undefined>>,
  explicit: Readonly<Record<string, string | undefined>> | undefined,
): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const add = (values: Readonly<Record<string, string | undefined>>) => {
    for (const [name, value] of Object.entries(values)) {
      if (value !== undefined && value !== '') headers[name.toLowerCase()] = value;
    }
  };
  for (const source of sources) add(source(env));
  if (explicit) add(explicit);
  return Object.freeze(headers);
}
