// mcpkit with the production() preset as a real deployment would run it: request ids, tracing
// (no OpenTelemetry SDK registered, as in most deployments without one), one pino line per request
// at info through createLogDestination(), the destination logging() uses by default (written to /dev/null,
// so serialization and the writes are paid), Prometheus metrics, API-key
// auth checked on every request, a rate limit that never trips, and an audit record per tool call.
import { createServer } from '@mcpkit/core';
import {
  apiKey,
  createJsonlFileSink,
  createLogDestination,
  hashApiKey,
  production,
  rateLimit,
} from '@mcpkit/middleware';
import pino from 'pino';
import * as f from '../fixtures.mjs';
import { registerTools } from './mcpkit-tools.mjs';

const stack = production({
  logging: { logger: pino({ level: 'info' }, createLogDestination({ dest: '/dev/null' })) },
  auth: apiKey({ keys: [{ hash: hashApiKey(f.BENCH_API_KEY), subject: 'bench', scopes: ['tools:call'] }] }),
  rateLimit: rateLimit({ by: 'caller', limit: 1_000_000_000, windowMs: 60_000 }),
  audit: { sink: createJsonlFileSink({ path: '/dev/null' }) },
});
const builder = registerTools(createServer({ name: 'bench-mcpkit-production', version: '1.0.0' }).use(stack));
const handle = await builder.serve({ port: f.port, handleSignals: true, allowedHosts: [] });
console.log(`READY ${handle.port}`);
