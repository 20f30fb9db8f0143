import { McpkitError, ProtocolError, RpcCode } from '@mcpkit/core';
import { describe, expect, it } from 'vitest';
import { classifyError, classifyResult } from '../../src/outcome/classify-outcome.js';

describe('classifyResult() / classifyError()', () => {
  it('treats plain results as ok and isError results as failures with their coded error', () => {
    expect(classifyResult({ content: [] })).toEqual({ outcome: 'ok', errorType: undefined });
    expect(classifyResult({ isError: true, structuredContent: { error: { code: 'NOT_FOUND' } } })).toEqual({
      outcome: 'error',
      errorType: 'NOT_FOUND',
    });
    expect(classifyResult({ isError: true, content: [] })).toEqual({
      outcome: 'error',
      errorType: 'tool_error',
    });
  });

  it('maps thrown coded errors to their code, protocol errors to the JSON-RPC code, anything else to INTERNAL', () => {
    expect(classifyError(new McpkitError('RATE_LIMITED', 'x')).errorType).toBe('RATE_LIMITED');
    expect(classifyError(new ProtocolError(RpcCode.INVALID_PARAMS, 'x')).errorType).toBe(
      String(RpcCode.INVALID_PARAMS),
    );
    expect(classifyError(new Error('boom'))).toEqual({ outcome: 'error', errorType: 'INTERNAL' });
  });
});
