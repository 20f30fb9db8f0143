import { toUpstreamError, UpstreamFailure } from '@mcpkit/resilience';
import { BrokenCircuitError, BulkheadRejectedError } from 'cockatiel';
import { describe, expect, it } from 'vitest';

const scope = { upstream: 'payments', method: 'POST', path: '/charges' };
const http = (status: number, extra: { retryAfterMs?: number; body?: string } = {}) =>
  toUpstreamError(new UpstreamFailure('http', `answered ${status}`, scope, { status, ...extra }), { scope });

describe('toUpstreamError', () => {
  it.each([
    [500, 'UPSTREAM_UNAVAILABLE', true],
    [503, 'UPSTREAM_UNAVAILABLE', true],
    [425, 'UPSTREAM_UNAVAILABLE', true],
    [408, 'UPSTREAM_TIMEOUT', true],
    [429, 'RATE_LIMITED', true],
    [400, 'UPSTREAM_ERROR', false],
    [401, 'UPSTREAM_ERROR', false],
    [404, 'UPSTREAM_ERROR', false],
    [422, 'UPSTREAM_ERROR', false],
  ])('maps status %i to %s (retryable %s)', (status, code, retryable) => {
    expect(http(status)).toMatchObject({ code, retryable, details: { upstream: 'payments', status } });
  });

  it('carries retryAfterMs of a 429 and never the body', () => {
    const error = http(429, { retryAfterMs: 1_500, body: 'account acct_123 over quota' });
    expect(error.retryAfterMs).toBe(1_500);
    expect(JSON.stringify({ m: error.message, d: error.details, h: error.hint })).not.toContain('acct_123');
  });

  it('lets a function pick safe fields of an error body', () => {
    const failure = new UpstreamFailure('http', 'answered 402', scope, {
      status: 402,
      body: '{"error":{"code":"card_declined","charge":"ch_9"}}',
    });
    const error = toUpstreamError(failure, {
      scope,
      exposeErrorBody: ({ body }) => ({
        reason: (JSON.parse(body) as { error: { code: string } }).error.code,
      }),
    });
    expect(error.details).toEqual({
      upstream: 'payments',
      status: 402,
      upstreamError: { reason: 'card_declined' },
    });
  });

  it('maps timeouts, network failures and policy rejections', () => {
    expect(toUpstreamError(new UpstreamFailure('timeout', 't', scope), { scope })).toMatchObject({
      code: 'UPSTREAM_TIMEOUT',
      retryable: true,
    });
    expect(toUpstreamError(new UpstreamFailure('network', 'n', scope), { scope })).toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      retryable: true,
    });
    expect(
      toUpstreamError(new BrokenCircuitError(), { scope, breakerRetryAfterMs: () => 4_000 }),
    ).toMatchObject({
      code: 'CIRCUIT_OPEN',
      retryable: true,
      retryAfterMs: 4_000,
    });
    expect(toUpstreamError(new BulkheadRejectedError(0, 0), { scope })).toMatchObject({
      code: 'RATE_LIMITED',
      retryable: true,
    });
    expect(toUpstreamError(new UpstreamFailure('invalid', 'bad', scope), { scope })).toMatchObject({
      code: 'UPSTREAM_ERROR',
      retryable: false,
    });
  });
});
