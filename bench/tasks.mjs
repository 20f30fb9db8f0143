#!/usr/bin/env node
// What the Tasks extension costs, paired in one run (acceptance 6 of the tasks issue):
//   1. a plain tools/call's throughput with the feature absent (servers/mcpkit.mjs) and present
//      (servers/mcpkit-tasks.mjs: tasks configured, a task tool registered), both eras;
//   2. on the tasks-present server, a task-augmented call on the memory store (tools/call that
//      creates the task + the first tasks/get) against a plain tools/call, over HTTP;
// Besides requests per second (which the load generator shares the machine's CPUs for), each run
// reads the server process's CPU time from /proc (Linux): CPU per operation is the cost measure
// least moved by the load generator and by other work on the machine.
// Servers run in child processes on 127.0.0.1; autocannon drives fixed connections, rounds
// alternate the order.   pnpm bench:tasks [--quick] [--duration s] [--connections n] [--rounds n]
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { freePort } from '../scripts/free-port.mjs';
import { MODERN, readAnswer, requestFor, WORKLOADS } from './workloads.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string' },
    rounds: { type: 'string' },
  },
});
const duration = Number(args.duration ?? (args.quick ? 1 : 5));
const warmup = Number(args.warmup ?? (args.quick ? 0.5 : 1.5));
const connections = Number(args.connections ?? (args.quick ? 10 : 50));
const rounds = Number(args.rounds ?? (args.quick ? 1 : 3));

/** CPU time (user + system) of a process so far, in µs; undefined where /proc is not there. */
const TICK_US = (() => {
  try {
    return 1_000_000 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  } catch {
    return 10_000;
  }
})();
function cpuMicros(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_US;
  } catch {
    return undefined;
  }
}

const PLAIN = WORKLOADS.find((w) => w.id === 'a');
const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';

/** The modern-era request of a client that declared the extension. */
function taskRequest(method, params, name) {
  const body = {
    jsonrpc: '2.0',
    id: 1,
    method,
    params: {
      ...params,
      _meta: {
        'io.modelcontextprotocol/protocolVersion': MODERN,
        'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1.0.0' },
        'io.modelcontextprotocol/clientCapabilities': { extensions: { [TASKS_EXTENSION]: {} } },
      },
    },
  };
  const headers = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': MODERN,
    'mcp-method': method,
    'mcp-name': name,
  };
  return { headers, body: JSON.stringify(body) };
}
const create = taskRequest('tools/call', { name: 'add_task', arguments: { a: 2, b: 3 } }, 'add_task');
const get = (taskId) => taskRequest('tasks/get', { taskId }, taskId);

async function start(file) {
  const port = await freePort();
  const child = spawn(process.execPath, [join(here, 'servers', file)], {
    env: { ...process.env, PORT: String(port), LOG_LEVEL: 'silent', NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${file} did not start: ${stderr}`)), 20_000);
    child.stdout.on('data', (d) => {
      if (String(d).includes('READY')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`${file} exited (${code}): ${stderr}`)));
  });
  return { child, url: `http://127.0.0.1:${port}/mcp` };
}

function run(options) {
  return new Promise((resolve, reject) => {
    autocannon({ connections, pipelining: 1, timeout: 10, ...options }, (error, result) =>
      error ? reject(error) : resolve(result),
    );
  });
}

/** Runs a load against `server` and measures its process's CPU: operations per second and CPU µs per operation. */
async function measured(server, options, perOperation) {
  const before = cpuMicros(server.child.pid);
  const r = await run({ url: server.url, ...options });
  const after = cpuMicros(server.child.pid);
  const operations = r.requests.total / perOperation;
  return {
    r,
    rate: r.requests.average / perOperation,
    cpu: before === undefined || after === undefined ? Number.NaN : (after - before) / operations,
  };
}

/** A plain tools/call (workload a) at full load. */
async function plainLoad(server, era, seconds) {
  const { headers, body } = requestFor(PLAIN, era);
  const { r, rate, cpu } = await measured(server, { method: 'POST', headers, body, duration: seconds }, 1);
  if (r.non2xx + r.errors + r.timeouts > 0)
    throw new Error(`plain call failed: ${JSON.stringify(r.statusCodeStats)}`);
  return { rate, cpu };
}

/** Create + first tasks/get per operation at full load. */
async function taskLoad(server, seconds) {
  const failures = { create: 0, get: 0 };
  const { rate, cpu } = await measured(
    server,
    {
      duration: seconds,
      requests: [
        {
          method: 'POST',
          headers: create.headers,
          body: create.body,
          onResponse: (status, body, context) => {
            const taskId = status === 200 ? JSON.parse(body).result?.taskId : undefined;
            if (taskId === undefined) failures.create++;
            context.taskId = taskId;
          },
        },
        {
          method: 'POST',
          setupRequest: (req, context) => {
            if (context.taskId === undefined) return undefined;
            const next = get(context.taskId);
            return { ...req, headers: next.headers, body: next.body };
          },
          onResponse: (status, body) => {
            const task = status === 200 ? JSON.parse(body).result : undefined;
            if (task?.status === undefined) failures.get++;
          },
        },
      ],
    },
    2,
  );
  if (failures.create + failures.get > 0) throw new Error(`task calls failed: ${JSON.stringify(failures)}`);
  return { rate, cpu };
}

/** Only creating tasks (no poll), or only polling one finished task: where the pair's cost goes. */
async function partLoad(server, part, seconds) {
  let request = create;
  if (part === 'get') {
    const answer = await readAnswer(await fetch(server.url, { method: 'POST', ...create }));
    request = get(answer.final.result.taskId);
  }
  const { r, rate, cpu } = await measured(server, { method: 'POST', ...request, duration: seconds }, 1);
  if (r.non2xx + r.errors + r.timeouts > 0)
    throw new Error(`${part} failed: ${JSON.stringify(r.statusCodeStats)}`);
  return { rate, cpu };
}

async function check(url) {
  const plain = requestFor(PLAIN, 'modern');
  const answer = await readAnswer(await fetch(url, { method: 'POST', ...plain }));
  if (!PLAIN.check(answer.final?.result)) throw new Error(`plain call answered ${JSON.stringify(answer)}`);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (n) => Math.round(n).toLocaleString('en-US');

console.log(
  `mcpkit tasks bench: ${connections} connections, ${duration}s per run after ${warmup}s warm-up, ` +
    `${rounds} round(s); node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`,
);
const absent = await start('mcpkit.mjs');
const present = await start('mcpkit-tasks.mjs');
const children = [absent.child, present.child];
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});
for (const server of [absent, present]) await check(server.url);

// 1 and 2: alternating order every round, so drift touches both sides alike.
const samples = {
  absent: { modern: [], legacy: [] },
  present: { modern: [], legacy: [] },
  task: [],
  plain: [],
  create: [],
  get: [],
};
for (let round = 0; round < rounds; round++) {
  for (const era of ['modern', 'legacy']) {
    const order = round % 2 === 0 ? ['absent', 'present'] : ['present', 'absent'];
    for (const side of order) {
      const server = side === 'absent' ? absent : present;
      await plainLoad(server, era, warmup);
      samples[side][era].push(await plainLoad(server, era, duration));
      process.stdout.write('.');
    }
  }
  const kinds = ['plain', 'task', 'create', 'get'];
  for (const kind of round % 2 === 0 ? kinds : kinds.reverse()) {
    const measure = (seconds) =>
      kind === 'plain'
        ? plainLoad(present, 'modern', seconds)
        : kind === 'task'
          ? taskLoad(present, seconds)
          : partLoad(present, kind, seconds);
    await measure(warmup);
    samples[kind].push(await measure(duration));
    process.stdout.write('.');
  }
}
process.stdout.write('\n');
for (const child of children) child.kill('SIGKILL');

const rate = (list) => median(list.map((x) => x.rate));
const cpu = (list) => median(list.map((x) => x.cpu));
const us = (n) => `${n.toFixed(1).padStart(6)} µs`;
const lines = [''];
lines.push('1. plain tools/call (add), tasks feature absent vs present (medians of rounds)');
lines.push('   era     absent req/s  CPU/req    present req/s  CPU/req    present/absent req/s  CPU');
for (const era of ['modern', 'legacy']) {
  const [a, p] = [samples.absent[era], samples.present[era]];
  lines.push(
    `   ${era.padEnd(7)} ${fmt(rate(a)).padStart(12)} ${us(cpu(a))}  ${fmt(rate(p)).padStart(13)} ${us(cpu(p))}` +
      `    ${(rate(p) / rate(a)).toFixed(3).padStart(18)}  ${(cpu(p) / cpu(a)).toFixed(3)}`,
  );
}
lines.push(
  '',
  '2. tasks-present server, modern era: a task-augmented call (create + first tasks/get) vs a plain call',
);
lines.push('                               per second   server CPU per operation');
lines.push(
  `   plain tools/call            ${fmt(rate(samples.plain)).padStart(10)}   ${us(cpu(samples.plain))}`,
);
lines.push(
  `   task create + first get     ${fmt(rate(samples.task)).padStart(10)}   ${us(cpu(samples.task))}`,
);
lines.push(
  `     of which: create alone   ${fmt(rate(samples.create)).padStart(10)}   ${us(cpu(samples.create))}`,
);
lines.push(`               tasks/get alone ${fmt(rate(samples.get)).padStart(10)}   ${us(cpu(samples.get))}`);
lines.push(
  `   task / plain: ×${(rate(samples.plain) / rate(samples.task)).toFixed(2)} in time per operation at full load, ` +
    `×${(cpu(samples.task) / cpu(samples.plain)).toFixed(2)} in server CPU`,
);
console.log(lines.join('\n'));
process.exit(0);
