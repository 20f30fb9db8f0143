import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger, type Era, type ServeOptions } from '@mcpkit/core';
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
import type { CallerKey } from '../../src/config.js';
import { createPaymentServer, type PaymentServer } from '../../src/payment-server.js';
import { type Sandbox, type SandboxFaults, startSandbox } from '../../src/sandbox/sandbox-server.js';
import type { ThreeDSecureOptions } from '../../src/tools/three-d-secure.js';

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
  intern: 'test-key-intern-noscope-5',
  nobody: 'test-key-not-configured-4',
} as const;

/** The callers every test server knows: who each key is and what it may do. */
export const CALLERS: CallerKey[] = [
  { key: KEYS.attended, subject: 'alice', scopes: ['payments:read', 'payments:write'] },
  {
    key: KEYS.unattended,
    subject: 'robot',
    scopes: ['payments:read', 'payments:write', 'payments:unattended'],
  },
  { key: KEYS.reader, subject: 'auditor', scopes: ['payments:read'] },
  { key: KEYS.intern, subject: 'intern', scopes: [] },
];

/** `CALLERS` as the built server reads them from `PAYMENT_API_KEYS`. */
export const CALLERS_ENV = CALLERS.map((c) => `${c.key}=${c.subject}:${c.scopes.join(' ')}`).join(';');

/**
 * Everything the suite collects to grep for secrets: log lines, audit records, tool results, and the
 * standard error of the built servers it started (their log lines and audit records, in chunks).
 */
export const collected = {
  logs: [] as string[],
  audit: [] as AuditRecord[],
  results: [] as string[],
  stderr: [] as string[],
};

/** The built servers' standard error, as lines. */
export const stderrLines = (): string[] => collected.stderr.join('').split('\n').filter(Boolean);

/** Keeps every result `client` gets for the secret grep, and reports each to `onResult`. */
export function track(
  client: TestClient,
  onResult?: (tool: string, result: Awaited<ReturnType<TestClient['callTool']>>) => void,
): TestClient {
  const callTool = client.callTool.bind(client);
  client.callTool = async (...args) => {
    const result = await callTool(...args);
    collected.results.push(JSON.stringify(result));
    onResult?.(args[0], result);
    return result;
  };
  return client;
}

const EXAMPLE = fileURLToPath(new URL('../../', import.meta.url));
/** The built server, as an MCP client launches it. */
export const MAIN = `${EXAMPLE}dist/main.js`;

/** Builds the example when its `dist/` is missing or older than a source file. */
export function ensureBuilt(): void {
  const newest = (dir: string): number =>
    Math.max(
      0,
      ...readdirSync(dir, { withFileTypes: true }).map((entry) =>
        entry.isDirectory() ? newest(join(dir, entry.name)) : statSync(join(dir, entry.name)).mtimeMs,
      ),
    );
  if (existsSync(MAIN) && statSync(MAIN).mtimeMs >= newest(join(EXAMPLE, 'src'))) return;
  execFileSync('pnpm', ['run', 'build'], { cwd: EXAMPLE, stdio: 'ignore' });
}

/** The environment of the built server over stdio against `sandbox`, launched for the caller holding `key`. */
export const stdioEnv = (sandbox: Sandbox, key: string): Record<string, string> => ({
  LOG_LEVEL: 'debug',
  PAYMENT_API_URL: sandbox.url,
  PAYMENT_SECRET_KEY: SECRETS.secretKey,
  PAYMENT_WEBHOOK_SECRET: SECRETS.webhookSecret,
  PAYMENT_CURSOR_SECRET: SECRETS.cursorSecret,
  PAYMENT_API_KEYS: CALLERS_ENV,
  MCP_API_KEY: key,
});

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
  threeDSecure?: ThreeDSecureOptions;
  /** Options of the HTTP endpoint (e.g. `sessions: true`, for legacy-era tasks). */
  serve?: ServeOptions;
}

/** The payment server the tests run against `sandbox`, not yet serving; everything it logs and audits is collected. */
export function createTestPayments(sandbox: Sandbox, options: HarnessOptions = {}): PaymentServer {
  return createPaymentServer({
    apiUrl: sandbox.url,
    secretKey: SECRETS.secretKey,
    webhookSecret: SECRETS.webhookSecret,
    cursorSecret: SECRETS.cursorSecret,
    callers: CALLERS,
    logger: createLogger({ level: 'debug', write: (line) => void collected.logs.push(line) }),
    auditSink: (batch) => void collected.audit.push(...batch),
    ...(options.redis ? { redis: options.redis } : {}),
    ...(options.redisPrefix ? { redisPrefix: options.redisPrefix } : {}),
    ...(options.upstream ? { upstream: options.upstream } : {}),
    ...(options.refundBatch ? { refundBatch: options.refundBatch } : {}),
    ...(options.threeDSecure ? { threeDSecure: options.threeDSecure } : {}),
  });
}

/** Starts one server instance against `sandbox` on HTTP; tool results and everything logged are collected. */
export async function startInstance(sandbox: Sandbox, options: HarnessOptions = {}): Promise<Instance> {
  const payments = createTestPayments(sandbox, options);
  const served = await serveForTest(payments.server, options.serve);
  return {
    payments,
    served,
    async connect({ key = KEYS.unattended, era = 'modern', ...rest } = {}) {
      // Every result the suite sees is kept for the secret grep.
      return track(await connectTestClient(served.url, { era, headers: { 'x-api-key': key }, ...rest }));
    },
  };
}

/** A sandbox with the test secrets. */
export function startTestSandbox(options: { faults?: SandboxFaults } = {}): Promise<Sandbox> {
  return startSandbox({
    secretKey: SECRETS.secretKey,
    webhookSecret: SECRETS.webhookSecret,
    ...(options.faults ? { faults: options.faults } : {}),
  });
}

/** A sandbox and one instance, webhooks pointed at it. */
export async function startPayments(
  options: HarnessOptions = {},
): Promise<{ sandbox: Sandbox; instance: Instance; close(): Promise<void> }> {
  const sandbox = await startTestSandbox(options);
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
    ...stderrLines(),
    ...collected.audit.map((r) => JSON.stringify(r)),
    ...collected.results,
  ];
  return haystack.filter((line) => needles.some((needle) => line.includes(needle)));
}

/** Checks everything this file collected: no secret or card data anywhere, and something was collected. */
export function assertNoLeaks(label: string): void {
  const found = leaks();
  console.log(
    `[acceptance 6] ${label}: ${collected.logs.length + stderrLines().length} log lines, ${collected.audit.length} audit records, ${collected.results.length} tool results checked; ${found.length} contain a secret or card data`,
  );
  if (found.length > 0) throw new Error(`secret or card data leaked:\n${found.slice(0, 5).join('\n')}`);
  if (collected.logs.length === 0 || collected.audit.length === 0 || collected.results.length === 0) {
    throw new Error('nothing was collected: the leak check would prove nothing');
  }
}

/** `cursor` with one character of its signature changed (always to a different one, and never a padding bit). */
export function tamperedCursor(cursor: string): string {
  const at = cursor.indexOf('.') + 2;
  const swapped = cursor[at] === 'A' ? 'B' : 'A';
  return `${cursor.slice(0, at)}${swapped}${cursor.slice(at + 1)}`;
}
