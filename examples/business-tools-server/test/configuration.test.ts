import { ConfigError, createLogger } from '@mcpkit/core';
import { createTestClient } from '@mcpkit/testing';
import { describe, expect, it } from 'vitest';
import { planProviders } from '../src/provider.js';
import sms from '../src/providers/sms/index.js';
import { createBusinessServer } from '../src/server.js';

const SMS_OK = {
  SMS_ACCOUNT_SID: `AC${'a'.repeat(32)}`,
  SMS_AUTH_TOKEN: 'sms-token-0123456789abcdef',
  SMS_FROM: '+15005550006',
  SMS_WEBHOOK_SECRET: 'sms-webhook-secret-0123456789',
  SMS_API_URL: 'http://127.0.0.1:9',
};

async function configError(env: Record<string, string>): Promise<ConfigError> {
  const error = await createBusinessServer({ env }).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ConfigError)) throw new Error(`expected a ConfigError, got ${String(error)}`);
  return error;
}

describe('provider configuration', () => {
  it('disables every provider whose variables are all absent, registers none of its tools, and says so in readiness', async () => {
    const { builder, providers } = await createBusinessServer({ env: SMS_OK });
    expect(providers.map((p) => `${p.name}:${p.status}`)).toEqual([
      'crm:disabled',
      'database:disabled',
      'sms:enabled',
      'webhooks:disabled',
    ]);
    const disabled = providers.find((p) => p.name === 'database');
    expect(disabled).toMatchObject({ reason: expect.stringContaining('DATABASE_URL') });
    for (const era of ['modern', 'legacy'] as const) {
      const client = await createTestClient(builder, { era });
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(['sms_list_messages', 'sms_send', 'sms_status']);
      await client.close();
    }
    const report = await builder.build().checkHealth();
    expect(report.checks['provider:crm']).toMatchObject({ healthy: true, details: { status: 'disabled' } });
    expect(report.checks['provider:sms']).toMatchObject({ healthy: true, details: { status: 'enabled' } });
    expect(report.checks['upstream:sms']).toBeDefined();
  });

  it('stops start-up with one message listing every problem of every provider, values never shown', async () => {
    const error = await configError({
      SMS_ACCOUNT_SID: 'not-a-sid',
      SMS_AUTH_TOKEN: 'short-secret',
      SMS_FROM: '555-1234',
      CRM_CLIENT_SECRET: 'crm-secret-value-0123456789',
      DATABASE_URL: 'mysql://root:hunter2hunter2@db/x',
      DATABASE_TABLES: 'customers(id,Name)',
      WEBHOOK_SIGNING_SECRET: 'webhook-secret-0123456789',
      WEBHOOK_ALLOWED_URLS: 'ftp://x',
    });
    expect(error.problems).toEqual([
      'crm: CRM_CLIENT_ID: missing (required)',
      'database: DATABASE_URL: must be a postgres:// connection string',
      'database: DATABASE_TABLES: column "Name" of customers is not a lower-case name',
      'sms: SMS_ACCOUNT_SID: must be "AC" followed by 32 hex digits',
      'sms: SMS_AUTH_TOKEN: must be at least 16 characters',
      'sms: SMS_FROM: must be an E.164 number such as +15005550006',
      'sms: SMS_WEBHOOK_SECRET: missing (required)',
      'webhooks: WEBHOOK_ALLOWED_URLS: must list http(s) URL prefixes ending in a path slash, e.g. https://hooks.example.com/',
    ]);
    expect(error.message).toMatch(/^Invalid configuration \(8 problems\)/);
    for (const value of ['short-secret', 'crm-secret-value', 'hunter2', 'webhook-secret-0123456789']) {
      expect(error.message).not.toContain(value);
    }
  });

  it('redacts declared secrets from log lines and from the printed configuration', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', write: (line) => lines.push(line) });
    const { builder } = await createBusinessServer({ env: SMS_OK, logger });
    builder.logger.info({ note: `token is ${SMS_OK.SMS_AUTH_TOKEN}` }, 'a log line quoting a secret');
    const log = lines.join('\n');
    expect(log).toContain('a log line quoting a secret');
    expect(log).not.toContain(SMS_OK.SMS_AUTH_TOKEN);
    const plan = planProviders([sms], SMS_OK);
    const printed = JSON.stringify(plan.enabled[0]?.config);
    expect(printed).toContain('"SMS_AUTH_TOKEN":"[redacted]"');
    expect(printed).not.toContain(SMS_OK.SMS_WEBHOOK_SECRET);
  });
});
