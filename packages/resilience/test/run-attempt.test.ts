import { McpkitError, type Telemetry } from '@mcpkit/core';
import { UpstreamFailure } from '@mcpkit/resilience';
import { TimeoutStrategy, timeout } from 'cockatiel';
import ky from 'ky';
import { describe, expect, it } from 'vitest';
import {
  type AttemptEnvironment,
  type CallState,
  classifyFailure,
  classifyInterruption,
  runAttempt,
} from '../src/run-attempt.js';

const scope = { upstream: 'crm', method: 'GET', path: '/contacts' };
const silent: Telemetry = { emit: () => undefined, on: () => () => undefined, has: () => false };

function callState(signals: { deadline?: AbortController; caller?: AbortController } = {}): CallState {
  const deadline = signals.deadline ?? new AbortController();
  const caller = signals.caller ?? new AbortController();
  return {
    scope,
    ctx: undefined,
    telemetry: silent,
    signal: AbortSignal.any([deadline.signal, caller.signal]),
    deadlineSignal: deadline.signal,
    deadlineAt: Date.now() + 1_000,
    retryable: true,
    attempts: 0,
  };
}

const aborted = () => {
  const controller = new AbortController();
  controller.abort();
  return controller.signal;
};

describe('classifyFailure', () => {
  it('calls an exchange stopped by any clock a timeout, and only a caller leaving a cancellation', () => {
    const deadline = new AbortController();
    deadline.abort();
    const byDeadline = classifyFailure(new Error('x'), callState({ deadline }), aborted(), 50, 900);
    expect(byDeadline.kind).toBe('timeout');
    expect(byDeadline.message).toContain('900 ms call deadline');
    // A tool-level timeout narrows ctx.signal with a coded UPSTREAM_TIMEOUT reason.
    const tool = new AbortController();
    tool.abort(new McpkitError('UPSTREAM_TIMEOUT', 'The request took longer than 100 ms.'));
    expect(classifyFailure(new Error('x'), callState({ caller: tool }), aborted(), 50, 900).kind).toBe(
      'timeout',
    );
    const timer = new AbortController();
    timer.abort(new DOMException('signal timed out', 'TimeoutError'));
    expect(classifyFailure(new Error('x'), callState({ caller: timer }), aborted(), 50, 900).kind).toBe(
      'timeout',
    );
    const caller = new AbortController();
    caller.abort(new Error('Cancelled by the client.'));
    expect(classifyFailure(new Error('x'), callState({ caller }), aborted(), 50, 900).kind).toBe('cancelled');
    const timedOut = classifyFailure(new Error('x'), callState(), aborted(), 50, 900);
    expect(timedOut.kind).toBe('timeout');
    expect(timedOut.message).toContain('50 ms');
    expect(classifyFailure(new Error('x'), callState(), new AbortController().signal, 50, 900).kind).toBe(
      'network',
    );
  });

  it('tells a deadline from a cancellation outside the exchange', () => {
    const deadline = new AbortController();
    deadline.abort();
    expect(classifyInterruption(callState({ deadline }), 900).kind).toBe('deadline');
    const caller = new AbortController();
    caller.abort();
    expect(classifyInterruption(callState({ caller }), 900).kind).toBe('cancelled');
  });

  it('keeps a failure that is already classified', () => {
    const failure = new UpstreamFailure('http', 'answered 503', scope, { status: 503 });
    expect(classifyFailure(failure, callState(), aborted(), 50, 900)).toBe(failure);
  });
});

describe('runAttempt', () => {
  it('resends once with a fresh OAuth2 token after a 401, counting one attempt', async () => {
    const seen: string[] = [];
    const tokens = ['stale', 'fresh'];
    const invalidated: string[] = [];
    const env: AttemptEnvironment = {
      name: 'crm',
      client: ky.create({
        prefixUrl: 'http://crm.invalid',
        retry: 0,
        timeout: false,
        throwHttpErrors: false,
        fetch: async (input) => {
          const auth = (input as Request).headers.get('authorization') ?? '';
          seen.push(auth);
          return auth === 'Bearer fresh'
            ? new Response('{"ok":true}', { status: 200, headers: { 'content-type': 'application/json' } })
            : new Response('expired', { status: 401 });
        },
      }),
      auth: {
        type: 'oauth2',
        getToken: async () => tokens[0] ?? '',
        invalidate: (token) => {
          invalidated.push(token);
          tokens.shift();
        },
      },
      bucket: undefined,
      attemptTimeoutMs: 1_000,
      attemptTimeout: timeout(1_000, TimeoutStrategy.Cooperative),
      deadlineMs: 5_000,
    };
    const call = callState();
    const request = { scope, method: 'GET', input: 'contacts', headers: {}, maxResponseBytes: 1_024 };
    const response = await runAttempt(env, call, 0, request, {}, call.signal);
    expect(response.data).toEqual({ ok: true });
    expect(seen).toEqual(['Bearer stale', 'Bearer fresh']);
    expect(invalidated).toEqual(['stale']);
    expect(call.attempts).toBe(1);
  });
});
