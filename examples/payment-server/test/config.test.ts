import { ConfigError } from '@mcpkit/core';
import { describe, expect, it } from 'vitest';
import { loadPaymentConfig, parseApiKeys } from '../src/config.js';
import { CALLERS, CALLERS_ENV, KEYS, SECRETS } from './support/harness.js';

// The stdio server itself runs under test/tools.test.ts (every tool, both eras, over stdio and HTTP).

const env = {
  PAYMENT_API_URL: 'http://127.0.0.1:4242',
  PAYMENT_SECRET_KEY: SECRETS.secretKey,
  PAYMENT_WEBHOOK_SECRET: SECRETS.webhookSecret,
  PAYMENT_CURSOR_SECRET: SECRETS.cursorSecret,
  PAYMENT_API_KEYS: `${KEYS.unattended}=robot:payments:read payments:write payments:unattended;${KEYS.reader}=auditor:payments:read`,
};

describe('configuration', () => {
  it('reports every missing variable at once and never prints a secret value', () => {
    let thrown: unknown;
    try {
      loadPaymentConfig({ env: { PAYMENT_SECRET_KEY: SECRETS.secretKey }, exit: false });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    const message = (thrown as Error).message;
    for (const name of ['PAYMENT_API_URL', 'PAYMENT_WEBHOOK_SECRET', 'PAYMENT_CURSOR_SECRET'])
      expect(message).toContain(name);
    expect(message).not.toContain(SECRETS.secretKey);
  });

  it('redacts the secret key when the config is logged or serialized', () => {
    const config = loadPaymentConfig({ env, exit: false });
    expect(config.PAYMENT_SECRET_KEY).toBe(SECRETS.secretKey);
    expect(JSON.stringify(config)).not.toContain(SECRETS.secretKey);
    expect(parseApiKeys(config.PAYMENT_API_KEYS)).toEqual([
      {
        key: KEYS.unattended,
        subject: 'robot',
        scopes: ['payments:read', 'payments:write', 'payments:unattended'],
      },
      { key: KEYS.reader, subject: 'auditor', scopes: ['payments:read'] },
    ]);
  });

  it('reads a caller with no scopes from PAYMENT_API_KEYS as one with none', () => {
    expect(parseApiKeys(CALLERS_ENV)).toEqual(CALLERS);
  });
});
