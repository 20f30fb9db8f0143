#!/usr/bin/env node
// Side-by-side serving benchmark. Each server runs in its own child process on 127.0.0.1 and
// serves the same tools; autocannon in this process drives fixed connections for a fixed time,
// with a warm-up first, servers alternating so drift touches all of them.
//   pnpm bench            full run (see --help)      pnpm bench --quick   CI smoke: short, asserts nothing about speed
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { freePort } from '../scripts/free-port.mjs';
import { BENCH_API_KEY } from './fixtures.mjs';
import { readAnswer, requestFor, WORKLOADS } from './workloads.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string' },
    rounds: { type: 'string' },
    only: { type: 'string' },
    workloads: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(
    'usage: pnpm bench [--quick] [--duration s] [--warmup s] [--connections n] [--rounds n] [--only mcpkit,sdk-v2] [--workloads a,c]',
  );
  process.exit(0);
}
const quick = args.quick;
const duration = Number(args.duration ?? (quick ? 1 : 5));
const warmup = Number(args.warmup ?? (quick ? 0.5 : 1.5));
const connections = Number(args.connections ?? (quick ? 10 : 50));
const rounds = Number(args.rounds ?? (quick ? 1 : 3));

const SERVERS = [
  { id: 'raw', label: 'raw node:http', file: 'raw.mjs' },
  { id: 'sdk-v2', label: 'official SDK v2', file: 'sdk-v2.mjs' },
  { id: 'tmcp', label: 'tmcp', file: 'tmcp.mjs' },
  { id: 'fastmcp', label: 'FastMCP', file: 'fastmcp.mjs' },
  { id: 'mcpkit', label: 'mcpkit', file: 'mcpkit.mjs' },
  // mcpkit's own layers, measured on the workloads listed: the production() middleware preset,
  // and @mcpkit/cache (workload e is a cache hit; a on the same server is the uncached baseline).
  { id: 'mcpkit-production', label: 'mcpkit+production', file: 'mcpkit-production.mjs', workloads: ['a'] },
  { id: 'mcpkit-cache', label: 'mcpkit+cache', file: 'mcpkit-cache.mjs', workloads: ['a', 'e'] },
  // and the bare server with response batching off, to show what batching is worth.
  { id: 'mcpkit-unbatched', label: 'mcpkit unbatched', file: 'mcpkit-unbatched.mjs', workloads: ['a'] },
].filter((s) => !args.only || args.only.split(',').includes(s.id));
/** Sent to every server: the production preset checks it, the others ignore it. */
const EXTRA_HEADERS = { 'x-api-key': BENCH_API_KEY };
const workloads = WORKLOADS.filter((w) => !args.workloads || args.workloads.split(',').includes(w.id));
const ERAS = ['modern', 'legacy'];

async function start(server) {
  const port = await freePort();
  const child = spawn(process.execPath, [join(here, 'servers', server.file)], {
    env: { ...process.env, PORT: String(port), LOG_LEVEL: 'silent', NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${server.id} did not start: ${stderr}`)), 20_000);
    child.stdout.on('data', (d) => {
      if (String(d).includes('READY')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`${server.id} exited (${code}): ${stderr}`)));
  });
  return { ...server, child, url: `http://127.0.0.1:${port}/mcp` };
}

/** Whether a server takes part in a workload (some workloads and servers are mcpkit-only). */
function measures(server, workload) {
  if (server.workloads && !server.workloads.includes(workload.id)) return false;
  return !workload.servers || workload.servers.includes(server.id);
}

async function probe(server, workload, era) {
  if (!measures(server, workload)) return 'not measured for this workload';
  const { headers, body } = requestFor(workload, era, EXTRA_HEADERS);
  try {
    const response = await fetch(server.url, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(5_000),
    });
    const { status, final, notifications } = await readAnswer(response);
    if (status !== 200) return `HTTP ${status}${final?.error ? ` ${final.error.message}` : ''}`;
    if (!final) return 'no response for the request';
    if (final.error) return `JSON-RPC ${final.error.code} ${final.error.message}`;
    if (!workload.check(final.result, notifications)) return 'wrong answer';
    return undefined;
  } catch (error) {
    return String(error?.message ?? error);
  }
}

function load(server, workload, era, seconds) {
  const { headers, body } = requestFor(workload, era, EXTRA_HEADERS);
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: server.url,
        method: 'POST',
        headers,
        body,
        connections,
        duration: seconds,
        pipelining: 1,
        timeout: 10,
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const running = [];
const cleanup = () => {
  for (const s of running) s.child.kill('SIGKILL');
};
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

console.log(
  `mcpkit bench: ${connections} connections, ${duration}s per run after ${warmup}s warm-up, ${rounds} round(s); ` +
    `node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`,
);
for (const server of SERVERS) running.push(await start(server));

const samples = new Map(); // key → [{rps,p50,p99,errors,non2xx}]
const unsupported = new Map(); // key → reason
const key = (w, era, s) => `${w}|${era}|${s}`;
for (const workload of workloads) {
  for (const era of ERAS) {
    for (const server of running) {
      const reason = await probe(server, workload, era);
      if (reason)
        unsupported.set(
          key(workload.id, era, server.id),
          reason.length > 90 ? `${reason.slice(0, 87)}...` : reason,
        );
    }
  }
}
for (let round = 0; round < rounds; round++) {
  for (const workload of workloads) {
    for (const era of ERAS) {
      // Rotate the order every round so no server always goes first.
      const order = running.map((_, i) => running[(i + round) % running.length]);
      for (const server of order) {
        const k = key(workload.id, era, server.id);
        if (unsupported.has(k)) continue;
        await load(server, workload, era, warmup);
        const r = await load(server, workload, era, duration);
        const list = samples.get(k) ?? [];
        list.push({
          rps: r.requests.average,
          p50: r.latency.p50,
          p99: r.latency.p99,
          errors: r.errors + r.timeouts,
          non2xx: r.non2xx,
        });
        samples.set(k, list);
        process.stdout.write('.');
      }
    }
  }
}
process.stdout.write('\n');
cleanup();

const results = [];
const lines = [];
for (const workload of workloads) {
  lines.push('', `(${workload.id}) ${workload.title}`);
  lines.push('  era     server             req/s     p50 ms  p99 ms  errors  vs SDK v2  vs raw');
  for (const era of ERAS) {
    const stat = (id) => {
      const list = samples.get(key(workload.id, era, id));
      if (!list) return undefined;
      return {
        rps: median(list.map((x) => x.rps)),
        p50: median(list.map((x) => x.p50)),
        p99: median(list.map((x) => x.p99)),
        errors: list.reduce((n, x) => n + x.errors + x.non2xx, 0),
      };
    };
    const sdk = stat('sdk-v2');
    const raw = stat('raw');
    for (const server of running) {
      if (!measures(server, workload)) continue;
      const s = stat(server.id);
      const reason = unsupported.get(key(workload.id, era, server.id));
      const row = { workload: workload.id, era, server: server.id };
      if (!s) {
        lines.push(`  ${era.padEnd(7)} ${server.label.padEnd(16)} n/a (${reason})`);
        results.push({ ...row, unsupported: reason });
        continue;
      }
      const vsSdk = sdk ? s.rps / sdk.rps : undefined;
      const vsRaw = raw ? s.rps / raw.rps : undefined;
      results.push({ ...row, ...s, vsSdkV2: vsSdk, vsRaw });
      lines.push(
        `  ${era.padEnd(7)} ${server.label.padEnd(16)} ${s.rps.toFixed(0).padStart(8)}  ${s.p50.toFixed(1).padStart(7)} ${s.p99
          .toFixed(1)
          .padStart(
            7,
          )}  ${String(s.errors).padStart(6)}  ${vsSdk ? `${vsSdk.toFixed(2)}×`.padStart(9) : '        -'}  ${
          vsRaw ? `${vsRaw.toFixed(2)}×`.padStart(6) : '     -'
        }`,
      );
    }
  }
}
// What mcpkit's own layers cost, measured in the same run. Each round measures the two sides of a
// comparison close together, so the ratio is taken per round and the median of the rounds is
// reported with their range: drift between rounds then cancels instead of adding up.
const overheads = [];
const roundsOf = (workload, era, server) => samples.get(key(workload, era, server))?.map((x) => x.rps);
const paired = (numerator, denominator) => {
  if (!numerator || !denominator || numerator.length !== denominator.length) return undefined;
  const ratios = numerator.map((value, i) => value / denominator[i]);
  return { ratio: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) };
};
// Each comparison divides the req/s of `of` by those of `over` ([workload, server] each). The
// cache hit is a cost: req/s of (a) over req/s of (e) on the same server.
const COMPARISONS = [
  {
    name: 'production() preset vs bare, workload (a)',
    target: '>= 0.70x throughput',
    of: ['a', 'mcpkit-production'],
    over: ['a', 'mcpkit'],
  },
  {
    name: 'response batching on vs off, workload (a)',
    target: 'none (informative)',
    of: ['a', 'mcpkit'],
    over: ['a', 'mcpkit-unbatched'],
  },
  {
    name: 'cached hit (e) cost vs trivial call (a), +cache',
    target: '<= 1.20x cost',
    of: ['a', 'mcpkit-cache'],
    over: ['e', 'mcpkit-cache'],
  },
];
for (const era of ERAS) {
  for (const { name, target, of, over } of COMPARISONS) {
    const pair = paired(roundsOf(of[0], era, of[1]), roundsOf(over[0], era, over[1]));
    if (pair) overheads.push({ name, era, ...pair, target });
  }
}
if (overheads.length > 0) {
  lines.push(
    '',
    quick
      ? `mcpkit's own layers (quick smoke: ${duration} s runs, ${connections} connections, ${rounds} round(s); not a measurement, the targets apply to full runs)`
      : "mcpkit's own layers (same run; median of per-round ratios)",
  );
  for (const o of overheads) {
    lines.push(
      `  ${o.era.padEnd(7)} ${o.name.padEnd(48)} ${`${o.ratio.toFixed(2)}×`.padStart(7)}  ` +
        `(rounds ${o.min.toFixed(2)}–${o.max.toFixed(2)}; target ${o.target})`,
    );
  }
}
const text = lines.join('\n');
console.log(text);
const report = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  settings: { quick, duration, warmup, connections, rounds },
  results,
  overheads,
};
const dir = join(here, 'results');
mkdirSync(dir, { recursive: true });
const base = quick ? 'quick' : 'latest';
writeFileSync(join(dir, `${base}.json`), `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(join(dir, `${base}.txt`), `${text.trimStart()}\n`);
console.log(`\nwritten: bench/results/${base}.json and ${base}.txt\n`);

// mcpkit must serve every workload in both eras without errors; peers may lack an era.
const ours = new Set(['mcpkit', 'mcpkit-production', 'mcpkit-cache', 'mcpkit-unbatched']);
const broken = results.filter((r) => ours.has(r.server) && (r.unsupported !== undefined || r.errors > 0));
if (broken.length > 0) {
  console.error(
    `mcpkit failed: ${broken.map((r) => `(${r.workload}) ${r.era}: ${r.unsupported ?? `${r.errors} errors`}`).join('; ')}`,
  );
  process.exit(1);
}

// The in-process comparison and the tables of where time goes run after the servers are gone,
// each on its own, so each has the machine to itself. A quick run runs them as smoke tests: short,
// and failing only when mcpkit answers wrongly.
const TABLES = [
  'micro.mjs',
  'streaming.mjs',
  'tool-scaling.mjs',
  'registration.mjs',
  'middleware-cost.mjs',
  'micro-middleware.mjs',
  'session-memory.mjs',
];
for (const table of TABLES) {
  console.log(`\n${table}`);
  const child = spawn(process.execPath, [join(here, table), ...(quick ? ['--quick'] : [])], {
    stdio: 'inherit',
  });
  const code = await new Promise((resolve) => child.once('exit', resolve));
  if (code !== 0) process.exit(code ?? 1);
}
process.exit(0);
