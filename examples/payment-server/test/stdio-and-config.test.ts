import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '@mcpkit/core';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPaymentConfig, parseApiKeys } from '../src/config.js';
import { type Sandbox, startSandbox } from '../src/sandbox/sandbox-server.js';
import { CARD, KEYS, SECRETS } from './support/harness.js';

// The example this test belongs to, wherever the checkout is.
const EXAMPLE = fileURLToPath(new URL('../', import.meta.url));
const MAIN = `${EXAMPLE}dist/main.js`;
const MODERN = '2026-07-28';

let sandbox: Sandbox;
const stderr: string[] = [];

beforeAll(async () => {
  // Runs the built server exactly as an MCP client launches it.
  if (!existsSync(MAIN)) execFileSync('pnpm', ['run', 'build'], { cwd: EXAMPLE, stdio: 'ignore' });
  sandbox = await startSandbox({ secretKey: SECRETS.secretKey, webhookSecret: SECRETS.webhookSecret });
}, 120_000);
afterAll(async () => {
  await sandbox.close();
  const all = stderr.join('');
  expect(all.length).toBeGreaterThan(0);
  for (const needle of [...Object.values(SECRETS), CARD.number, KEYS.unattended])
    expect(all).not.toContain(needle);
});

const env = (key: string) => ({
  PATH: process.env.PATH ?? '',
  LOG_LEVEL: 'debug',
  PAYMENT_API_URL: sandbox.url,
  PAYMENT_SECRET_KEY: SECRETS.secretKey,
  PAYMENT_WEBHOOK_SECRET: SECRETS.webhookSecret,
  PAYMENT_CURSOR_SECRET: SECRETS.cursorSecret,
  PAYMENT_API_KEYS: `${KEYS.unattended}=robot:payments:read payments:write payments:unattended;${KEYS.reader}=auditor:payments:read`,
  MCP_API_KEY: key,
});

async function connect(
  era: 'modern' | 'legacy',
  key: string,
): Promise<{ client: Client; transport: StdioClientTransport }> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [MAIN, '--stdio'],
    env: env(key),
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString('utf8')));
  const client = new Client(
    { name: 'payment-stdio-test', version: '1.0.0' },
    era === 'modern' ? { versionNegotiation: { mode: { pin: MODERN } } } : {},
  );
  await client.connect(transport);
  return { client, transport };
}

describe.each(['modern', 'legacy'] as const)('payment server over stdio (%s era)', (era) => {
  it('charges, reads, refuses card numbers, and applies the launch key’s scopes', async () => {
    const { client } = await connect(era, KEYS.unattended);
    try {
      expect(client.getProtocolEra()).toBe(era);
      const created = await client.callTool({
        name: 'create_charge',
        arguments: {
          amount: 2000,
          currency: 'thb',
          card: 'tokn_test_visa',
          idempotencyKey: `stdio-${era}-1`,
        },
      });
      expect(created.isError).toBeFalsy();
      const charge = created.structuredContent as { id: string; status: string };
      expect(charge.status).toBe('successful');
      const read = await client.callTool({ name: 'get_charge', arguments: { chargeId: charge.id } });
      expect((read.structuredContent as { id: string }).id).toBe(charge.id);
      const card = await client.callTool({
        name: 'create_charge',
        arguments: { amount: 2000, currency: 'thb', card: CARD.number },
      });
      expect(card.isError).toBe(true);
      expect((card.structuredContent as { error: { code: string } }).error.code).toBe('VALIDATION_FAILED');
      expect(JSON.stringify(card)).not.toContain(CARD.number);
    } finally {
      await client.close();
    }
    const reader = await connect(era, KEYS.reader);
    try {
      const refused = await reader.client.callTool({ name: 'create_transfer', arguments: { amount: 5000 } });
      expect((refused.structuredContent as { error: { code: string } }).error.code).toBe('FORBIDDEN');
    } finally {
      await reader.client.close();
    }
  }, 30_000);
});

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
    const config = loadPaymentConfig({ env: env(KEYS.unattended), exit: false });
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
});
