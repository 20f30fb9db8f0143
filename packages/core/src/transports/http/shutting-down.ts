import { HttpRefusal } from '../../engine/edge.js';
import { McpkitError } from '../../engine/errors.js';

/** The refusal of a request that arrives while the endpoint drains for shutdown: 503, retryable, `Retry-After: 1`. */
export function shuttingDown(): HttpRefusal {
  return new HttpRefusal(
    new McpkitError('UPSTREAM_UNAVAILABLE', 'The server is shutting down; retry on another instance.', {
      retryable: true,
      retryAfterMs: 1_000,
      hint: 'The call did not run: send it again (another instance, or this one once restarted, will take it).',
    }),
    { status: 503 },
  );
}
