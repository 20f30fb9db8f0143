import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook } from '@mcpkit/middleware';
import { seedDemoDatabase } from './demo-database.js';
import { runDemoTour } from './demo-tour.js';
import { startCrmSandbox } from './providers/crm/sandbox.js';
import { startSmsSandbox } from './providers/sms/sandbox.js';
import { createBusinessServer } from './server.js';
import { describeProviders } from './startup-summary.js';

// The demo needs no configuration: it starts the SMS and CRM sandboxes and a webhook receiver on
// OS ports, points the providers at them, and uses DATABASE_URL when it is set.
const secret = () => randomBytes(24).toString('hex');
const sms = {
  accountSid: `AC${randomBytes(16).toString('hex')}`,
  authToken: secret(),
  webhookSecret: secret(),
};
const crm = { clientId: 'demo-client', clientSecret: secret() };
const webhookSecret = secret();

const smsSandbox = await startSmsSandbox(sms);
const crmSandbox = await startCrmSandbox({ ...crm, limitPerSecond: 10 });
const verify = verifyWebhook({ secret: webhookSecret });
const receiver = createServer(async (req, res) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString('utf8');
  try {
    await verify({
      method: 'POST',
      path: req.url ?? '/',
      query: '',
      headers: req.headers as Record<string, string>,
      remoteAddress: undefined,
      text: async () => body,
    });
    process.stderr.write(`webhook receiver: verified delivery ${body.slice(0, 120)}\n`);
    res.writeHead(204).end();
  } catch {
    res.writeHead(401).end();
  }
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`;

const env: Record<string, string | undefined> = {
  SMS_ACCOUNT_SID: sms.accountSid,
  SMS_AUTH_TOKEN: sms.authToken,
  SMS_FROM: '+15005550006',
  SMS_API_URL: smsSandbox.url,
  SMS_WEBHOOK_SECRET: sms.webhookSecret,
  CRM_CLIENT_ID: crm.clientId,
  CRM_CLIENT_SECRET: crm.clientSecret,
  CRM_API_URL: crmSandbox.url,
  CRM_RATE_PER_SECOND: '10',
  WEBHOOK_SIGNING_SECRET: webhookSecret,
  WEBHOOK_ALLOWED_URLS: receiverUrl,
};
if (process.env.DATABASE_URL) {
  await seedDemoDatabase(process.env.DATABASE_URL);
  Object.assign(env, {
    DATABASE_URL: process.env.DATABASE_URL,
    DATABASE_SCHEMA: 'business_demo',
    DATABASE_TABLES: 'customers(id,name,email,country,created_at);orders',
  });
}

let origin: string | undefined;
const { builder, providers } = await createBusinessServer({ env, publicUrl: () => origin });
const handle = await builder.serve({ port: Number(process.env.PORT || 3000), host: '127.0.0.1' });
origin = handle.url.replace(/\/mcp$/, '');
process.stderr.write(describeProviders(providers, handle.url));
process.stderr.write(
  `Sandboxes: SMS ${smsSandbox.url}, CRM ${crmSandbox.url}, webhook receiver ${receiverUrl}\n` +
    `${process.env.DATABASE_URL ? 'Database: schema business_demo (seeded).' : 'Database: disabled — set DATABASE_URL to a PostgreSQL to enable it.'}\n` +
    `Try: npx @modelcontextprotocol/inspector --cli ${handle.url} --method tools/list\n`,
);

await runDemoTour(handle.url, `${receiverUrl}demo`, (line) => process.stderr.write(`${line}\n`));

const stop = async () => {
  await handle.close();
  await Promise.all([smsSandbox.close(), crmSandbox.close(), new Promise((r) => receiver.close(r))]);
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
if (process.argv.includes('--once')) await stop();
