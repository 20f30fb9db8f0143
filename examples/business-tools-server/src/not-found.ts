import { isMcpkitError, McpkitError } from '@mcpkit/core';

/**
 * Runs an upstream call and turns the provider's 404 into a `NOT_FOUND` the caller can act on
 * (the upstream client reports it as `UPSTREAM_ERROR` with `details.status`, as any other 4xx).
 */
export async function notFoundAs<T>(call: Promise<T>, message: string, hint: string): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (isMcpkitError(error) && error.details?.status === 404) {
      throw new McpkitError('NOT_FOUND', message, { retryable: false, hint, cause: error });
    }
    throw error;
  }
}
