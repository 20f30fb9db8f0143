import { redact } from '@mcpkit/core';
import { redactSecrets } from '@mcpkit/middleware';
import { describe, expect, it } from 'vitest';

describe('redactSecrets()', () => {
  it('is core redact(): the middleware package has no redaction rules of its own', () => {
    expect(redactSecrets).toBe(redact);
    expect(redactSecrets({ password: 'x', note: 'token=abcdef' })).toEqual({
      password: '[Redacted]',
      note: 'token=[Redacted]',
    });
  });
});
