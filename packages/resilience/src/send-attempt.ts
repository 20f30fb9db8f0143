import type { KyInstance } from 'ky';
import { type FailureScope, UpstreamFailure } from './error-mapping.js';
import { parseRetryAfter } from './retry-after.js';
import type { UpstreamResponse } from './upstream-options.js';

/** One HTTP exchange as the attempt loop prepares it. */
export interface AttemptRequest {
  scope: FailureScope;
  method: string;
  /** Path for ky (relative to the prefix when there is one). */
  input: string;
  headers: Record<string, string>;
  json?: unknown;
  body?: BodyInit;
  searchParams?: Record<string, string | number | boolean> | URLSearchParams;
  maxResponseBytes: number;
}

async function readLimited(response: Response, max: number, scope: FailureScope): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  const tooLarge = () =>
    new UpstreamFailure('too-large', `response larger than ${max} bytes`, scope, { status: response.status });
  if (Number.isFinite(declared) && declared > max) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      // Stop downloading at once: a runaway body must not fill memory.
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(text: string, response: Response, scope: FailureScope): unknown {
  if (text === '') return undefined;
  const type = response.headers.get('content-type') ?? '';
  if (!/[/+]json\b/i.test(type)) return text;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UpstreamFailure('invalid', 'the body is not valid JSON', scope, {
      status: response.status,
      cause: error,
    });
  }
}

/**
 * Sends one request through ky (its own retries and timeout are off: the policies own them) and
 * reads the body under the size limit. A non-2xx status throws an {@link UpstreamFailure} that
 * keeps the body for the log; transport errors are rethrown as they are for the caller to classify.
 */
export async function sendAttempt(
  client: KyInstance,
  request: AttemptRequest,
  signal: AbortSignal,
): Promise<UpstreamResponse<unknown>> {
  const response = await client(request.input, {
    method: request.method,
    headers: request.headers,
    ...(request.json !== undefined ? { json: request.json } : {}),
    ...(request.body !== undefined ? { body: request.body } : {}),
    ...(request.searchParams !== undefined ? { searchParams: request.searchParams } : {}),
    signal,
  });
  const text = await readLimited(response, request.maxResponseBytes, request.scope);
  if (!response.ok) {
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    throw new UpstreamFailure('http', `answered ${response.status}`, request.scope, {
      status: response.status,
      body: text,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }
  return {
    status: response.status,
    headers: response.headers,
    data: parseBody(text, response, request.scope),
  };
}
