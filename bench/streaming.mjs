#!/usr/bin/env node
// The streaming path (workload d: 3 progress notifications, then the result, on SSE) measured
// from the server's side: write syscalls and CPU time per request read from /proc/<pid>, with
// raw node:http, mcpkit and mcpkit without resumable streams driven in the same run, in turns.
//   node bench/streaming.mjs [--duration 5] [--rounds 3] [--connections 50]
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { measure, startServer } from './server-counters.mjs';
import { requestFor, WORKLOADS } from './workloads.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
    quick: { type: 'boolean', default: false },
  },
});
const duration = args.quick ? 1 : Number(args.duration);
const rounds = args.quick ? 1 : Number(args.rounds);
const connections = args.quick ? 10 : Number(args.connections);
const SERVERS = [
  { id: 'raw', file: 'raw.mjs' },
  { id: 'mcpkit', file: 'mcpkit.mjs' },
  { id: 'mcpkit-no-resume', file: 'mcpkit-no-resume.mjs' },
];
const workload = WORKLOADS.find((w) => w.id === 'd');
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

console.log(
  `streaming path (d): ${connections} connections, ${duration}s runs, ${rounds} round(s); load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}; ${cpus().length} × ${cpus()[0]?.model}`,
);
const running = [];
for (const s of SERVERS) running.push({ ...s, server: await startServer(s.file) });
process.on('exit', () => {
  for (const s of running) s.server.stop();
});
const samples = new Map();
for (let round = 0; round < rounds; round++) {
  for (const era of ['modern', 'legacy']) {
    const request = requestFor(workload, era);
    const order = running.map((_, i) => running[(i + round) % running.length]);
    for (const s of order) {
      await measure(s.server, request, Math.min(1, duration), connections); // warm-up
      const m = await measure(s.server, request, duration, connections);
      const key = `${era}|${s.id}`;
      samples.set(key, [...(samples.get(key) ?? []), m]);
      process.stdout.write('.');
    }
  }
}
process.stdout.write('\n');
const rows = [];
for (const era of ['modern', 'legacy']) {
  const raw = samples.get(`${era}|raw`);
  for (const s of running) {
    const list = samples.get(`${era}|${s.id}`);
    // Ratios are taken per round (both sides measured seconds apart), then the median.
    const per = (f) => median(list.map((m, i) => f(m) / f(raw[i])));
    rows.push({
      era,
      server: s.id,
      rps: median(list.map((m) => m.rps)),
      writesPerRequest: median(list.map((m) => m.writesPerRequest)),
      cpuUsPerRequest: median(list.map((m) => m.cpuUsPerRequest)),
      cpuVsRaw: per((m) => m.cpuUsPerRequest),
      rpsVsRaw: per((m) => m.rps),
      errors: list.reduce((n, m) => n + m.errors, 0),
    });
  }
}
const lines = ['era     server              req/s  writes/req  CPU µs/req  CPU vs raw  req/s vs raw  errors'];
for (const r of rows) {
  lines.push(
    `${r.era.padEnd(7)} ${r.server.padEnd(17)} ${r.rps.toFixed(0).padStart(7)}  ${r.writesPerRequest
      .toFixed(2)
      .padStart(10)}  ${r.cpuUsPerRequest.toFixed(1).padStart(10)}  ${`${r.cpuVsRaw.toFixed(2)}×`.padStart(
      10,
    )}  ${`${r.rpsVsRaw.toFixed(2)}×`.padStart(12)}  ${String(r.errors).padStart(6)}`,
  );
}
console.log(lines.join('\n'));
if (!args.quick) {
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(
    join(here, 'results', 'streaming.json'),
    `${JSON.stringify({ date: new Date().toISOString(), loadavg: loadavg(), duration, rounds, connections, rows }, null, 2)}\n`,
  );
}
const broken = rows.filter((r) => r.server !== 'raw' && r.errors > 0);
process.exit(broken.length > 0 ? 1 : 0);
