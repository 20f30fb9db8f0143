#!/usr/bin/env node
// Per-middleware cost: the trivial tools/call (workload a, modern era) on the bare server and on
// the same server behind each part of production() alone, and behind the whole preset, with and
// without a real OpenTelemetry SDK. All servers run at once and are driven in turns, every round
// in a new order; CPU per request is read from /proc/<pid>, and the cost of a part is its CPU per
// request minus the bare server's in the same round.
//   node bench/middleware-cost.mjs [--duration 5] [--rounds 3] [--connections 50] [--only bare,audit]
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BENCH_API_KEY } from './fixtures.mjs';
import { measure, startServer } from './server-counters.mjs';
import { requestFor, WORKLOADS } from './workloads.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const ALL = [
  'bare',
  'request-id',
  'tracing',
  'tracing-sdk',
  'logging',
  'metrics',
  'api-key',
  'rate-limit',
  'audit',
  'production',
  'production-sdk',
];
const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
    only: { type: 'string', default: ALL.join(',') },
    quick: { type: 'boolean', default: false },
  },
});
const duration = args.quick ? 1 : Number(args.duration);
const rounds = args.quick ? 1 : Number(args.rounds);
const connections = args.quick ? 10 : Number(args.connections);
const names = ['bare', ...args.only.split(',').filter((n) => n !== 'bare')];
const request = requestFor(
  WORKLOADS.find((w) => w.id === 'a'),
  'modern',
  { 'x-api-key': BENCH_API_KEY },
);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

console.log(
  `middleware cost (a, modern): ${connections} connections, ${duration}s runs, ${rounds} round(s); load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}; ${cpus().length} × ${cpus()[0]?.model}`,
);
const running = [];
for (const name of names)
  running.push({ name, server: await startServer('mcpkit-middleware.mjs', { MIDDLEWARE: name }) });
process.on('exit', () => {
  for (const s of running) s.server.stop();
});
const samples = new Map(names.map((n) => [n, []]));
for (let round = 0; round < rounds; round++) {
  const order = running.map((_, i) => running[(i + round) % running.length]);
  for (const s of order) {
    await measure(s.server, request, Math.min(1, duration), connections);
    samples.get(s.name).push(await measure(s.server, request, duration, connections));
    process.stdout.write('.');
  }
}
process.stdout.write('\n');
const bare = samples.get('bare');
const rows = names.map((name) => {
  const list = samples.get(name);
  return {
    name,
    rps: median(list.map((m) => m.rps)),
    cpuUsPerRequest: median(list.map((m) => m.cpuUsPerRequest)),
    addedUs: median(list.map((m, i) => m.cpuUsPerRequest - bare[i].cpuUsPerRequest)),
    cpuVsBare: median(list.map((m, i) => m.cpuUsPerRequest / bare[i].cpuUsPerRequest)),
    rpsVsBare: median(list.map((m, i) => m.rps / bare[i].rps)),
    errors: list.reduce((n, m) => n + m.errors, 0),
  };
});
const lines = ['server            req/s   CPU µs/req  added µs  CPU vs bare  req/s vs bare  errors'];
for (const r of rows) {
  lines.push(
    `${r.name.padEnd(15)} ${r.rps.toFixed(0).padStart(7)}  ${r.cpuUsPerRequest.toFixed(1).padStart(11)}  ${r.addedUs
      .toFixed(1)
      .padStart(
        8,
      )}  ${`${r.cpuVsBare.toFixed(2)}×`.padStart(11)}  ${`${r.rpsVsBare.toFixed(2)}×`.padStart(13)}  ${String(
      r.errors,
    ).padStart(6)}`,
  );
}
console.log(lines.join('\n'));
if (!args.quick) {
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(
    join(here, 'results', 'middleware-cost.json'),
    `${JSON.stringify({ date: new Date().toISOString(), loadavg: loadavg(), duration, rounds, connections, rows }, null, 2)}\n`,
  );
}
process.exit(rows.some((r) => r.errors > 0) ? 1 : 0);
