import { createLogger } from '@mcpkit/core';
import { Redis } from 'ioredis';
import { loadPaymentConfig, parseApiKeys } from './config.js';
import { createPaymentServer } from './payment-server.js';

// Reads the environment once; a missing or malformed variable stops here, listed with the others.
const config = loadPaymentConfig();
const logger = createLogger();
const redis = config.REDIS_URL
  ? new Redis(config.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1 })
  : undefined;
const payments = createPaymentServer({
  apiUrl: config.PAYMENT_API_URL,
  secretKey: config.PAYMENT_SECRET_KEY,
  webhookSecret: config.PAYMENT_WEBHOOK_SECRET,
  cursorSecret: config.PAYMENT_CURSOR_SECRET,
  callers: parseApiKeys(config.PAYMENT_API_KEYS),
  logger,
  ...(redis ? { redis } : {}),
});

if (process.argv.includes('--stdio')) {
  payments.server.stdio();
} else {
  const handle = await payments.server.serve({ port: config.PORT });
  logger.info({ url: handle.url, provider: config.PAYMENT_API_URL }, 'payment server listening');
}
