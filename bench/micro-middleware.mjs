#!/usr/bin/env node
// In-process cost of middleware per tools/call: the same trivial call through core's stream
// connection (no HTTP, no client) on a bare server and on servers behind one middleware each, in
// alternating blocks in one process; CPU time per call from process.cpuUsage(). The OpenTelemetry
// variant uses a real SDK (BasicTracerProvider, batch processor, an exporter that drops spans).
//   node bench/micro-middleware.mjs [--calls 20000] [--blocks 10]
import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { createServer } from '@mcpkit/core';
import { StreamConnection } from '@mcpkit/core/internal';
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
import * as f from './fixtures.mjs';

const { values: args } = parseArgs({
  options: {
    calls: { type: 'string', default: '20000' },
    blocks: { type: 'string', default: '10' },
    quick: { type: 'boolean', default: false },
  },
});
const calls = args.quick ? 2_000 : Number(args.calls);
const blocks = args.quick ? 2 : Number(args.blocks);

const fromMiddleware = createRequire(new URL('../packages/middleware/package.json', import.meta.url));
const { BasicTracerProvider, BatchSpanProcessor } = fromMiddleware('@opentelemetry/sdk-trace-base');
const dropping = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => {} };
const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(dropping)] });

// A context manager on AsyncLocalStorage, as an SDK setup registers one (NodeSDK does), so the
// span is really made active while the inner layers run.
const api = fromMiddleware('@opentelemetry/api');
const storage = new AsyncLocalStorage();
api.context.setGlobalContextManager({
  active: () => storage.getStore() ?? api.ROOT_CONTEXT,
  with: (context, fn, thisArg, ...rest) => storage.run(context, () => fn.call(thisArg, ...rest)),
  bind: (_context, target) => target,
  enable() {
    return this;
  },
  disable() {
    storage.disable();
    return this;
  },
});

const logger = () => pino({ level: 'info' }, createLogDestination({ dest: '/dev/null' }));
const auth = () =>
  apiKey({ keys: [{ hash: hashApiKey(f.BENCH_API_KEY), subject: 'bench', scopes: ['tools:call'] }] });
const limit = () => rateLimit({ by: 'caller', limit: 1_000_000_000, windowMs: 60_000 });
const auditOptions = () => ({ sink: createJsonlFileSink({ path: '/dev/null' }) });
const preset = (tracingOptions) =>
  production({
    tracing: tracingOptions,
    logging: { logger: logger() },
    auth: auth(),
    rateLimit: limit(),
    audit: auditOptions(),
  });
const VARIANTS = {
  bare: () => [],
  'request-id': () => [requestId()],
  'tracing, no SDK': () => [tracing()],
  'tracing, OTel SDK': () => [tracing({ tracerProvider: provider })],
  logging: () => [logging({ logger: logger() })],
  metrics: () => [metrics()],
  'api-key': () => [auth()],
  'rate-limit': () => [limit()],
  audit: () => [audit(auditOptions())],
  'production()': () => [preset({})],
  'production(), SDK': () => [preset({ tracerProvider: provider })],
};

function driver(parts) {
  let builder = createServer({ name: 'micro-middleware', version: '1.0.0' });
  for (const part of parts) builder = builder.use(part);
  const server = builder
    .tool('add', { description: 'Adds two numbers', input: f.addInput, handler: f.add })
    .build();
  const waiting = new Map();
  // The key a client sends: on a stream connection, request headers come with the connection.
  const connection = new StreamConnection(
    server,
    (message) => {
      const resolve = waiting.get(message.id);
      waiting.delete(message.id);
      resolve?.(message);
    },
    { headers: { 'x-api-key': f.BENCH_API_KEY } },
  );
  let id = 0;
  const call = (method, params) =>
    new Promise((resolve) => {
      const requestId = id++;
      waiting.set(requestId, resolve);
      connection.receive({ jsonrpc: '2.0', id: requestId, method, params });
    });
  return async (n) => {
    const answer = await call('tools/call', {
      name: 'add',
      arguments: { a: n, b: 1 },
      _meta: {
        'io.modelcontextprotocol/protocolVersion': '2026-07-28',
        'io.modelcontextprotocol/clientInfo': { name: 'micro', version: '1.0.0' },
        'io.modelcontextprotocol/clientCapabilities': {},
      },
    });
    if (answer.result?.content?.[0]?.text !== String(n + 1))
      throw new Error(`wrong answer: ${JSON.stringify(answer)}`);
  };
}

const drivers = Object.entries(VARIANTS).map(([name, parts]) => ({
  name,
  run: driver(parts()),
  samples: [],
}));
const cpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
for (let block = 0; block < blocks + 1; block++) {
  for (const d of drivers) {
    const start = cpuUs();
    for (let i = 0; i < calls; i++) {
      await d.run(i);
      // Let background work run (audit batches, log writes, span exports) and count it, as a
      // server's event loop would between bursts of requests.
      if (i % 100 === 99) await new Promise((resolve) => setImmediate(resolve));
    }
    // The first block warms the JIT up and is not counted.
    if (block > 0) d.samples.push((cpuUs() - start) / calls);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const bare = median(drivers[0].samples);
console.log(`in-process tools/call, ${calls} calls × ${blocks} blocks (median of blocks), CPU µs per call`);
for (const d of drivers) {
  const m = median(d.samples);
  console.log(
    `  ${d.name.padEnd(20)} ${m.toFixed(2).padStart(7)} µs   +${(m - bare).toFixed(2).padStart(5)} µs   ${(m / bare).toFixed(2)}× bare`,
  );
}
await provider.shutdown();
