import { createRequire } from 'node:module';
import { McpkitError } from '@mcpkit/core';

/** The OpenTelemetry API module, as `tracing()` uses it. */
export type OtelApi = typeof import('@opentelemetry/api');

const PACKAGE = '@opentelemetry/api';
let loaded: OtelApi | undefined;

/**
 * Loads `@opentelemetry/api`, an optional peer dependency: only `tracing()` needs it, so the rest of
 * the package must load in an app that never installed it. Loaded with `require` resolved from this
 * file (ESM and CommonJS builds alike) the first time `tracing()` is called, so a missing package is
 * reported where the user asked for tracing, with the command that fixes it. The API keeps its
 * global state (tracer provider, context manager) on `globalThis`, so the copy loaded here sees the
 * SDK an app registered through `import`.
 */
export function loadOtelApi(): OtelApi {
  const api = tryLoadOtelApi();
  if (api instanceof Error) {
    throw new McpkitError('VALIDATION_FAILED', `tracing() needs the optional peer dependency ${PACKAGE}.`, {
      hint: `npm install ${PACKAGE} (and an OpenTelemetry SDK to export spans).`,
      details: { peerDependency: PACKAGE },
      cause: api,
    });
  }
  return api;
}

/** The API when it is installed, else the resolution error (for callers that can do without it). */
export function tryLoadOtelApi(): OtelApi | Error {
  if (loaded !== undefined) return loaded;
  try {
    loaded = createRequire(import.meta.url)(PACKAGE) as OtelApi;
    return loaded;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    // Only the API itself missing is the user's fix; a broken install below it stays as it is.
    if (code !== 'MODULE_NOT_FOUND' || !String((error as Error).message).includes(`'${PACKAGE}'`))
      throw error;
    return error as Error;
  }
}
