import { createLogger, type Era } from '@mcpkit/core';
import type { AuditRecord } from '@mcpkit/middleware';
import type { UpstreamOptions } from '@mcpkit/resilience';
import {
  connectTestClient,
  serveForTest,
  type TestClient,
  type TestClientOptions,
  type TestServer,
} from '@mcpkit/testing';
import type { Redis } from 'ioredis';
import { createPaymentServer, type PaymentServer } from '../../src/payment-server.js';
import { type Sandbox, type SandboxFaults, startSandbox } from '../../src/sandbox/sandbox-server.js';

/** Secrets of the test runs: none of them may appear in any log line, audit record or error. */
export const SECRETS = {
  secretKey: 'skey_test_5x9secretkeyvalue00',
  webhookSecret: 'whsec_test_webhooksecret0042',
  cursorSecret: 'cursor-secret-for-tests-0123456789',
} as const;

/** Card data the tests try to slip in; it must be refused and never echoed anywhere. */
export const CARD = { number: '4242424242424242', spaced: '4111 1111 1111 1111', cvc: '737' } as const;

/** API keys of the test callers. */
export const KEYS = {
  attended: 'test-key-attended-000001',
  unattended: 'test-key-unattended-0002',
  reader: 'test-key-reader-00000003',
  nobody: 'test-key-not-configured-4',
} as const;

/** Everything the suite collects to grep for secrets: log lines, audit records, tool results. */
export const collected = { logs: [] as string[], audit: [] as AuditRecord[], results: [] as string[] };

/** One server instance in front of a sandbox. */
export interface Instance {
  payments: PaymentServer;
  served: TestServer;
  connect(options?: { era?: Era; key?: string } & TestClientOptions): Promise<TestClient>;
}

export interface HarnessOptions {
  faults?: SandboxFaults;
  redis?: Redis;
  redisPrefix?: string;
  upstream?: Partial<UpstreamOptions>;
  refundBatch?: { maxItems?: number; concurrency?: number };
}

/** Starts one server instance against `sandbox`; tool results and everything logged are collected. */
export async function startInstance(sandbox: Sandbox, options: HarnessOptions = {}): Promise<Instance> {
  const payments = createPaymentServer({
    apiUrl: sandbox.url,
    secretKey: SECRETS.secretKey,
    webhookSecret: SECRETS.webhookSecret,
    cursorSecret: SECRETS.cursorSecret,
    callers: [
      { key: KEYS.attended, subject: 'alice', scopes: ['payments:read', 'payments:write'] },
      {
        key: KEYS.unattended,
        subject: 'robot',
        scopes: ['payments:read', 'payments:write', 'payments:unattended'],
      },
      { key: KEYS.reader, subject: 'auditor', scopes: ['payments:read'] },
    ],
    logger: createLogger({ level: 'debug', write: (line) => void collected.logs.push(line) }),
    auditSink: (batch) => void collected.audit.push(...batch),
    ...(options.redis ? { redis: options.redis } : {}),
    ...(options.redisPrefix ? { redisPrefix: options.redisPrefix } : {}),
    ...(options.upstream ? { upstream: options.upstream } : {}),
    ...(options.refundBatch ? { refundBatch: options.refundBatch } : {}),
  });
  const served = await serveForTest(payments.server);
  return {
    payments,
    served,
    async connect({ key = KEYS.unattended, era = 'modern', ...rest } = {}) {
      const client = await connectTestClient(served.url, { era, headers: { 'x-api-key': key }, ...rest });
      const callTool = client.callTool.bind(client);
      // Every result the suite sees is kept for the secret grep.
      client.callTool = async (...args) => {
        const result = await callTool(...args);
        collected.results.push(JSON.stringify(result));
        return result;
      };
      return client;
    },
  };
}

/** A sandbox and one instance, webhooks pointed at it. */
export async function startPayments(
  options: HarnessOptions = {},
): Promise<{ sandbox: Sandbox; instance: Instance; close(): Promise<void> }> {
  const sandbox = await startSandbox({
    secretKey: SECRETS.secretKey,
    webhookSecret: SECRETS.webhookSecret,
    ...(options.faults ? { faults: options.faults } : {}),
  });
  const instance = await startInstance(sandbox, options);
  sandbox.setWebhookUrl(`${instance.served.origin}/webhooks/payments`);
  return {
    sandbox,
    instance,
    async close() {
      await instance.served.close();
      await instance.payments.close();
      await sandbox.close();
    },
  };
}

/** Lines among everything collected that contain a secret or card data. */
export function leaks(): string[] {
  const needles = [
    ...Object.values(SECRETS),
    CARD.number,
    CARD.spaced,
    Buffer.from(`${SECRETS.secretKey}:`).toString('base64'),
  ];
  const haystack = [
    ...collected.logs,
    ...collected.audit.map((r) => JSON.stringify(r)),
    ...collected.results,
  ];
  return haystack.filter((line) => needles.some((needle) => line.includes(needle)));
}

/** Checks everything this file collected: no secret or card data anywhere, and something was collected. */
export function assertNoLeaks(label: string): void {
  const found = leaks();
  console.log(
    `[acceptance 6] ${label}: ${collected.logs.length} log lines, ${collected.audit.length} audit records, ${collected.results.length} tool results checked; ${found.length} contain a secret or card data`,
  );
  if (found.length > 0) throw new Error(`secret or card data leaked:\n${found.slice(0, 5).join('\n')}`);
  if (collected.logs.length === 0 || collected.audit.length === 0 || collected.results.length === 0) {
    throw new Error('nothing was collected: the leak check would prove nothing');
  }
}
