import { redactSecrets } from '@mcpkit/middleware';
import { describe, expect, it } from 'vitest';
import { passesLuhn } from '../../src/redaction/redact-secrets.js';

describe('redactSecrets()', () => {
  it('replaces values under secret-named keys at any depth, whatever they look like', () => {
    const out = redactSecrets({
      password: 'hunter2',
      nested: { Authorization: 'x', 'x-api-key': 'k', dbPassword: 'p', refresh_token: 't', cookie: 'c' },
      list: [{ client_secret: 's' }],
      maxTokens: 512,
    });
    expect(out).toEqual({
      password: '[Redacted]',
      nested: {
        Authorization: '[Redacted]',
        'x-api-key': '[Redacted]',
        dbPassword: '[Redacted]',
        refresh_token: '[Redacted]',
        cookie: '[Redacted]',
      },
      list: [{ client_secret: '[Redacted]' }],
      maxTokens: 512,
    });
  });

  it('redacts bearer tokens, JWTs and API-key shaped values inside free text', () => {
    const jwt =
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
    const text = `use Bearer abcDEF123456ghiJKL or ${jwt}; key sk_live_4eC39HqLyjWDarjtT1zdp7dc and ghp_1234567890abcdefghijABCDEFGHIJ123456`;
    const out = redactSecrets({ note: text }) as { note: string };
    expect(out.note).not.toContain('abcDEF123456ghiJKL');
    expect(out.note).not.toContain(jwt);
    expect(out.note).not.toContain('sk_live_4eC39HqLyjWDarjtT1zdp7dc');
    expect(out.note).not.toContain('ghp_1234567890');
    expect(out.note).toMatch(/^use \[Redacted\] or \[Redacted\]; key \[Redacted\] and \[Redacted\]$/);
  });

  it('redacts card numbers that pass Luhn, as strings or numbers, and keeps other digit runs', () => {
    const out = redactSecrets({
      a: 'card 4111 1111 1111 1111 exp 12/30',
      b: '5500-0000-0000-0004',
      c: 4012888888881881,
      order: '1234567890123',
      phone: '+1 415 555 0100',
    });
    expect(out).toEqual({
      a: 'card [Redacted] exp 12/30',
      b: '[Redacted]',
      c: '[Redacted]',
      order: '1234567890123',
      phone: '+1 415 555 0100',
    });
  });

  it('redacts the value of password=… and token: … assignments in free text', () => {
    const out = redactSecrets({
      msg: 'connect failed: postgres://u@h/db?password=letmein&x=1, token: abc123',
    });
    expect(out).toEqual({
      msg: 'connect failed: postgres://u@h/db?password=[Redacted]&x=1, token: [Redacted]',
    });
  });

  it('keeps hashes, UUIDs and ordinary words', () => {
    const value = {
      sha: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      id: '123e4567-e89b-12d3-a456-426614174000',
      text: 'Basic usage of the tool is simple',
    };
    expect(redactSecrets(value)).toEqual(value);
  });

  it('never modifies its input and honours extra keys and a custom censor', () => {
    const input = { ssn: '078-05-1120', internal_ref: 'abc' };
    const out = redactSecrets(input, { keys: ['internal-ref'], censor: '***' });
    expect(out).toEqual({ ssn: '***', internal_ref: '***' });
    expect(input).toEqual({ ssn: '078-05-1120', internal_ref: 'abc' });
  });

  it('truncates values nested deeper than maxDepth', () => {
    expect(redactSecrets({ a: { b: { c: 1 } } }, { maxDepth: 2 })).toEqual({ a: { b: '[Truncated]' } });
  });

  it('checks Luhn like the card networks do', () => {
    expect(passesLuhn('4111111111111111')).toBe(true);
    expect(passesLuhn('4111111111111112')).toBe(false);
  });
});
