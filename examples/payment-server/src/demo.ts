import { randomBytes } from 'node:crypto';
import { createLogger } from '@mcpkit/core';
import { createPaymentServer } from './payment-server.js';
import { startSandbox } from './sandbox/sandbox-server.js';

// Everything local, nothing to configure: a sandbox provider with fresh secrets, and the server in
// front of it with two demo API keys. Pointing at the real provider is PAYMENT_API_URL and
// PAYMENT_SECRET_KEY for `pnpm start` instead (see the README).
const secretKey = `skey_test_${randomBytes(12).toString('hex')}`;
const webhookSecret = `whsec_test_${randomBytes(12).toString('hex')}`;
const sandbox = await startSandbox({ secretKey, webhookSecret });
const port = Number(process.env.PORT ?? 3000);
const payments = createPaymentServer({
  apiUrl: sandbox.url,
  secretKey,
  webhookSecret,
  cursorSecret: randomBytes(32).toString('hex'),
  callers: [
    { key: 'demo-attended-key-0001', subject: 'demo-user', scopes: ['payments:read', 'payments:write'] },
    {
      key: 'demo-unattended-key-0002',
      subject: 'demo-robot',
      scopes: ['payments:read', 'payments:write', 'payments:unattended'],
    },
    { key: 'demo-readonly-key-00003', subject: 'demo-auditor', scopes: ['payments:read'] },
  ],
  logger: createLogger(),
});
// Sessions, so legacy-era (2025-11-25) clients over HTTP get 3-D Secure charges as tasks too.
const handle = await payments.server.serve({ port, sessions: true });
sandbox.setWebhookUrl(handle.url.replace(/\/mcp$/, '/webhooks/payments'));
const inspector = `npx @modelcontextprotocol/inspector --cli ${handle.url} --transport http --header "x-api-key: demo-unattended-key-0002"`;
process.stderr.write(
  `\npayment server (demo) at ${handle.url}, sandbox provider at ${sandbox.url}\n` +
    `API keys (x-api-key header): demo-attended-key-0001 (read+write, asks before moving money),\n` +
    `  demo-unattended-key-0002 (read+write+unattended), demo-readonly-key-00003 (read only)\n` +
    `  list the tools: ${inspector} --method tools/list\n` +
    `  charge 20 THB:  ${inspector} --method tools/call --tool-name create_charge --tool-arg amount=2000 --tool-arg currency=thb --tool-arg card=tokn_test_visa\n` +
    `Stop: Ctrl+C\n\n`,
);
process.once('SIGINT', () => void sandbox.close());
process.once('SIGTERM', () => void sandbox.close());
