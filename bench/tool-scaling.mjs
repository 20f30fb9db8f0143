#!/usr/bin/env node
// Tool-count scaling: raw node:http, the official SDK v2 and mcpkit each serving 3, 100, 1,000 and
// 5,000 tools. Per count: start-up to READY, RSS once ready, then tools/list and tools/call (add)
// driven in turns in one run, with req/s and server CPU per request read from /proc/<pid>.
//   node bench/tool-scaling.mjs [--counts 3,100,1000,5000] [--duration 5] [--connections 20] [--only raw,mcpkit]
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { counters, measure, startServer } from './server-counters.mjs';
import { readAnswer, requestFor, WORKLOADS } from './workloads.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    counts: { type: 'string', default: '3,100,1000,5000' },
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '20' },
    only: { type: 'string', default: 'raw,sdk-v2,mcpkit' },
    quick: { type: 'boolean', default: false },
  },
});
const counts = (args.quick ? '3,1000' : args.counts).split(',').map(Number);
const duration = args.quick ? 1 : Number(args.duration);
const connections = args.quick ? 5 : Number(args.connections);
const SERVERS = [
  { id: 'raw', file: 'raw.mjs' },
  { id: 'sdk-v2', file: 'sdk-v2.mjs' },
  { id: 'mcpkit', file: 'mcpkit.mjs' },
].filter((s) => args.only.split(',').includes(s.id));
const list = WORKLOADS.find((w) => w.id === 'c');
const call = WORKLOADS.find((w) => w.id === 'a');

console.log(
  `tool-count scaling: ${connections} connections, ${duration}s runs; load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}; ${cpus().length} × ${cpus()[0]?.model}`,
);
const rows = [];
for (const count of counts) {
  for (const s of SERVERS) {
    const server = await startServer(s.file, { BENCH_TOOLS: String(count) });
    try {
      // Cold start: from spawning the process to the first answered tools/call.
      const first = requestFor(call, 'modern');
      const firstAnswer = await readAnswer(
        await fetch(server.url, { method: 'POST', headers: first.headers, body: first.body }),
      );
      if (!call.check(firstAnswer.final?.result)) throw new Error(`${s.id}: tools/call is wrong`);
      const coldStartMs = performance.now() - server.startedAt;
      const rss = counters(server.pid).rss;
      const listRequest = requestFor(list, 'modern');
      // Correctness first: the list has every tool and the call answers.
      const answer = await readAnswer(
        await fetch(server.url, { method: 'POST', headers: listRequest.headers, body: listRequest.body }),
      );
      if (answer.final?.result?.tools?.length !== count) throw new Error(`${s.id}: tools/list is wrong`);
      const listBytes = JSON.stringify(answer.final).length;
      const row = {
        count,
        server: s.id,
        readyMs: server.readyMs,
        coldStartMs,
        rssMiB: rss / 2 ** 20,
        listBytes,
      };
      for (const [name, workload] of [
        ['list', list],
        ['call', call],
      ]) {
        const request = requestFor(workload, 'modern');
        await measure(server, request, Math.min(2, duration), connections); // warm-up: the JIT, the caches
        const m = await measure(server, request, duration, connections);
        row[name] = { rps: m.rps, cpuUsPerRequest: m.cpuUsPerRequest, errors: m.errors };
      }
      rows.push(row);
      process.stdout.write('.');
    } finally {
      server.stop();
    }
  }
}
process.stdout.write('\n');
const lines = [
  'tools  server   ready ms  first call ms  RSS MiB   list req/s  list CPU µs  list vs raw   call req/s  call CPU µs  call vs raw',
];
for (const r of rows) {
  const raw = rows.find((x) => x.count === r.count && x.server === 'raw');
  const vs = (k) => (raw ? `${(r[k].rps / raw[k].rps).toFixed(2)}×` : '-');
  lines.push(
    `${String(r.count).padStart(5)}  ${r.server.padEnd(7)} ${r.readyMs.toFixed(0).padStart(8)}  ${r.coldStartMs
      .toFixed(0)
      .padStart(13)}  ${r.rssMiB
      .toFixed(0)
      .padStart(
        7,
      )}  ${r.list.rps.toFixed(0).padStart(11)}  ${r.list.cpuUsPerRequest.toFixed(0).padStart(11)}  ${vs(
      'list',
    ).padStart(
      11,
    )}  ${r.call.rps.toFixed(0).padStart(11)}  ${r.call.cpuUsPerRequest.toFixed(1).padStart(11)}  ${vs(
      'call',
    ).padStart(11)}`,
  );
}
console.log(lines.join('\n'));
if (!args.quick) {
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(
    join(here, 'results', 'tool-scaling.json'),
    `${JSON.stringify({ date: new Date().toISOString(), loadavg: loadavg(), duration, connections, rows }, null, 2)}\n`,
  );
}
const broken = rows.filter((r) => r.server === 'mcpkit' && (r.list.errors > 0 || r.call.errors > 0));
process.exit(broken.length > 0 ? 1 : 0);
