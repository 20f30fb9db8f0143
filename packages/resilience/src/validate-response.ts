import type { StandardSchemaV1 } from '@mcpkit/core';
import { type FailureScope, UpstreamFailure } from './error-mapping.js';

function dotted(path: StandardSchemaV1.Issue['path']): string {
  if (!path || path.length === 0) return '(root)';
  return path.map((part) => String(typeof part === 'object' ? part.key : part)).join('.');
}

/**
 * Validates a response body against a Standard Schema (zod included). A mismatch is an
 * `invalid` failure naming the fields and what was wrong, never the values received.
 */
export async function validateResponse(
  schema: StandardSchemaV1,
  data: unknown,
  scope: FailureScope,
): Promise<unknown> {
  const result = await schema['~standard'].validate(data);
  if (!result.issues) return result.value;
  const summary = result.issues
    .slice(0, 5)
    .map((issue) => `${dotted(issue.path)}: ${issue.message}`)
    .join('; ');
  throw new UpstreamFailure('invalid', `the response does not match the expected schema (${summary})`, scope);
}
