import {
  createLogger,
  defineConfig,
  passesLuhn,
  redact,
  redactedExcerpt,
  registerSecrets,
  secret,
} from '@mcpkit/core';
import { redactingLogger } from '@mcpkit/core/internal';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';

const redactSecrets = redact;

describe('redact()', () => {
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
      msg: 'connect failed: postgres://[Redacted]@h/db?password=[Redacted]&x=1, token: [Redacted]',
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

  it('redacts URL user-info, secret-named pairs in text and JSON inside strings', () => {
    const text =
      'dial postgres://admin:s3cr3t-pw@db.internal:5432/app failed; aws_secret_access_key=wJalrXUtnFEMI/K7MDENG ' +
      'body {"password":"p@ss word","user":"ann","api_key":"k-123456"} escaped {\\"client_secret\\":\\"cs-999999\\"}';
    const out = redact(text) as string;
    for (const secret of ['s3cr3t-pw', 'admin:', 'wJalrXUtnFEMI', 'p@ss word', 'k-123456', 'cs-999999']) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain('postgres://[Redacted]@db.internal:5432/app');
    expect(out).toContain('"user":"ann"');
  });

  it('redacts the common API-key and token prefixes', () => {
    const keys = [
      'sk_live_51HqLyjWDarjtT1zdp7dc',
      'rk_test_51HqLyjWDarjtT1zdp7dc',
      'sk-ant-api03-abcdefghijklmnopqrstuv',
      'ghp_abcdefghijklmnopqrstuvwxyz0123456789',
      'github_pat_11ABCDEFG0123456789_abcdefghij',
      'xoxb-123456789012-abcdefghijkl',
      'AKIAIOSFODNN7EXAMPLE',
      'AIzaSyA-abcdefghijklmnopqrstuvwxyz12345',
      'glpat-abcdefghij0123456789',
      'whsec_abcdefghijklmnopqrstuv',
    ];
    const out = redact(`keys: ${keys.join(' , ')}`) as string;
    for (const key of keys) expect(out).not.toContain(key);
  });

  it('writes what JSON would: dates as strings, byte arrays as their size, objects through their toJSON', () => {
    const when = new Date(Date.UTC(2026, 0, 2));
    const out = redact({ when, bytes: Buffer.from('token=abc'), custom: { toJSON: () => 'pwd=hunter22' } });
    expect(out).toEqual({ when: '2026-01-02T00:00:00.000Z', bytes: '[9 bytes]', custom: 'pwd=[Redacted]' });
  });

  it('redacts private-key blocks', () => {
    const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----';
    expect(redact(`key ${pem} end`)).toBe('key [Redacted] end');
  });

  it('turns errors into redacted type, message, stack and cause', () => {
    const error = new Error('charge failed for 4242 4242 4242 4242', {
      cause: new Error('token=abcdef123456'),
    });
    const out = redact({ err: error }) as { err: Record<string, unknown> };
    expect(out.err.type).toBe('Error');
    expect(out.err.message).toBe('charge failed for [Redacted]');
    expect(String(out.err.stack)).not.toContain('4242');
    expect((out.err.cause as { message: string }).message).toBe('token=[Redacted]');
  });

  it('redacts values registered as secret everywhere, including those declared in defineConfig()', () => {
    registerSecrets({
      values: ['plain-looking-value-77'],
      keys: ['tenantPin'],
      patterns: [/\bACME-\d{6}\b/],
    });
    const out = redact({ note: 'x plain-looking-value-77 y ACME-123456', tenantPin: '42' });
    expect(out).toEqual({ note: 'x [Redacted] y [Redacted]', tenantPin: '[Redacted]' });
  });

  it('redacts the values of secret() config fields wherever they appear later', () => {
    const config = defineConfig(z.object({ SIGNING_KEY: secret(z.string()), REGION: z.string() }), {
      env: { SIGNING_KEY: 'plain-words-signing', REGION: 'eu-west-1' },
    });
    expect(redact(`signing with ${config.SIGNING_KEY} in ${config.REGION}`)).toBe(
      'signing with [Redacted] in eu-west-1',
    );
    expect(redact({ config })).toEqual({ config: { SIGNING_KEY: '[redacted]', REGION: 'eu-west-1' } });
  });

  it('keeps an excerpt bounded and never cuts a secret in half before redacting it', () => {
    const body = `${'x'.repeat(500)} 4242 4242 4242 4242 ${'y'.repeat(2000)}`;
    const excerpt = redactedExcerpt(body, 510);
    expect(excerpt).not.toContain('4242');
    expect(excerpt.length).toBeLessThan(540);
  });

  it('stays fast on long hostile input', () => {
    const hostile = `${'a-'.repeat(40_000)}= ${'b'.repeat(60_000)}:`;
    // Linear rules: this finishes; a quadratic rule would not within the test timeout.
    expect(typeof redact(hostile)).toBe('string');
  });
});

describe('core loggers', () => {
  it('write every line through the redaction path: messages, fields, errors and bindings', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', write: (line) => lines.push(line) });
    logger
      .child({ url: 'https://bob:hunter22@example.com' })
      .error({ err: new Error('ghp_abcdefghijklmnopqrstuvwxyz0123456789') }, 'failed with pwd=letmein1');
    expect(lines).toHaveLength(1);
    const text = lines[0] as string;
    for (const secret of ['hunter22', 'ghp_abcdef', 'letmein1']) expect(text).not.toContain(secret);
    expect(JSON.parse(text)).toMatchObject({ level: 'error', msg: 'failed with pwd=[Redacted]' });
  });

  it('wrap a foreign logger so what reaches it is redacted', () => {
    const seen: unknown[] = [];
    const record = (obj: unknown, msg?: unknown) => seen.push([obj, msg]);
    const foreign = {
      trace: record,
      debug: record,
      info: record,
      warn: record,
      error: record,
      child: () => foreign,
    };
    redactingLogger(foreign).warn({ body: 'Bearer abcdefghijklmnop' }, 'see sk_live_51HqLyjWDarjtT1zdp7dc');
    expect(seen).toEqual([[{ body: '[Redacted]' }, 'see [Redacted]']]);
  });
});
