import { startSandbox } from './sandbox/sandbox-server.js';

// The sandbox on its own, for pointing a server (or curl) at it: SANDBOX_SECRET_KEY and
// SANDBOX_WEBHOOK_SECRET name its secrets, SANDBOX_WEBHOOK_URL where events go.
const sandbox = await startSandbox({
  secretKey: process.env.SANDBOX_SECRET_KEY ?? 'skey_test_sandbox_demo',
  webhookSecret: process.env.SANDBOX_WEBHOOK_SECRET ?? 'whsec_test_sandbox_demo',
  port: Number(process.env.SANDBOX_PORT ?? 4242),
  ...(process.env.SANDBOX_WEBHOOK_URL ? { webhookUrl: process.env.SANDBOX_WEBHOOK_URL } : {}),
});
process.stderr.write(`sandbox provider listening at ${sandbox.url}\n`);
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => void sandbox.close().then(() => process.exit(0)));
