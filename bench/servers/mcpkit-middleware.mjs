// The bench tools behind one part of the production stack (or all of it), chosen by MIDDLEWARE:
// bare, request-id, tracing, tracing-sdk, logging, metrics, api-key, rate-limit, audit,
// production, production-sdk. "-sdk" registers a real OpenTelemetry SDK (BasicTracerProvider with
// a batch processor and an exporter that drops every span), so spans are created, recorded and
// ended; without it tracing runs against the API's no-op tracer. Logs and audit go to /dev/null.
import { createRequire } from 'node:module';
import { createServer } from '@mcpkit/core';
import {
  apiKey,
  audit,
  createJsonlFileSink,
  createLogDestination,
  hashApiKey,
  logging,
  metrics,
  production,
  rateLimit,
  requestId,
  tracing,
} from '@mcpkit/middleware';
import pino from 'pino';
import * as f from '../fixtures.mjs';
import { registerTools } from './mcpkit-tools.mjs';

const which = process.env.MIDDLEWARE ?? 'bare';
if (which.endsWith('-sdk')) {
  // The SDK is a dev dependency of @mcpkit/middleware: resolve it (and the API) from there, so
  // the middleware and the SDK share one @opentelemetry/api.
  const fromMiddleware = createRequire(new URL('../../packages/middleware/package.json', import.meta.url));
  const { BasicTracerProvider, BatchSpanProcessor } = fromMiddleware('@opentelemetry/sdk-trace-base');
  const api = fromMiddleware('@opentelemetry/api');
  const dropping = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => {} };
  const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(dropping)] });
  api.trace.setGlobalTracerProvider(provider);
}
const logger = () => pino({ level: 'info' }, createLogDestination({ dest: '/dev/null' }));
const auth = () =>
  apiKey({ keys: [{ hash: hashApiKey(f.BENCH_API_KEY), subject: 'bench', scopes: ['tools:call'] }] });
const limit = () => rateLimit({ by: 'caller', limit: 1_000_000_000, windowMs: 60_000 });
const auditOptions = () => ({ sink: createJsonlFileSink({ path: '/dev/null' }) });
const PARTS = {
  bare: () => [],
  'request-id': () => [requestId()],
  tracing: () => [tracing()],
  'tracing-sdk': () => [tracing()],
  logging: () => [logging({ logger: logger() })],
  metrics: () => [metrics()],
  'api-key': () => [auth()],
  'rate-limit': () => [limit()],
  audit: () => [audit(auditOptions())],
  production: () => [
    production({ logging: { logger: logger() }, auth: auth(), rateLimit: limit(), audit: auditOptions() }),
  ],
};
PARTS['production-sdk'] = PARTS.production;
const parts = PARTS[which];
if (!parts) throw new Error(`unknown MIDDLEWARE ${which}`);
let builder = createServer({ name: `bench-mcpkit-${which}`, version: '1.0.0' });
for (const part of parts()) builder = builder.use(part);
const handle = await registerTools(builder).serve({ port: f.port, handleSignals: true, allowedHosts: [] });
console.log(`READY ${handle.port}`);
