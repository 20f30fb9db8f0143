#!/usr/bin/env node
import { parseArgs } from 'node:util';
// Per-call cost of @mcpkit/client's typed call (`client.tools.add()`: deadline, breaker, retry
// decision, error mapping) against the raw official SDK client's `callTool()`, both against the
// same mcpkit server over the same kind of transport, paired in one run (interleaved rounds): in process (the SDK's
// InMemoryTransport) and over Streamable HTTP on 127.0.0.1. Both speak the modern era.
//   node client.mjs [--quick]     (pnpm bench:client)
import { createClient } from '@mcpkit/client';
import { createServer, silentLogger } from '@mcpkit/core';
import { StreamConnection } from '@mcpkit/core/internal';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { InMemoryTransport } from '@modelcontextprotocol/server';
import * as f from './fixtures.mjs';

const { values: args } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
const PIN = { versionNegotiation: { mode: { pin: '2026-07-28' } } };

const server = createServer({ name: 'bench-client', version: '1.0.0', logger: silentLogger })
  .tool('add', { description: 'Adds two numbers', input: f.addInput, handler: f.add })
  .build();

/** A client end wired to the mcpkit server in process. */
async function inMemory() {
  const [clientEnd, serverEnd] = InMemoryTransport.createLinkedPair();
  const connection = new StreamConnection(server, (message) => void serverEnd.send(message));
  serverEnd.onmessage = (message) => connection.receive(message);
  await serverEnd.start();
  return clientEnd;
}

const http = await server.serve({ port: 0, host: '127.0.0.1' });
const raw = {
  inProcess: new Client({ name: 'raw', version: '1.0.0' }, PIN),
  http: new Client({ name: 'raw', version: '1.0.0' }, PIN),
};
await raw.inProcess.connect(await inMemory());
await raw.http.connect(new StreamableHTTPClientTransport(new URL(http.url)));
const typed = {
  inProcess: await createClient({ transport: await inMemory() }, { era: 'modern' }),
  http: await createClient(http.url, { era: 'modern' }),
};
for (const where of ['inProcess', 'http']) {
  // A client lists the tools before calling them (and @mcpkit/client does, for the retry decision).
  await raw[where].listTools();
  const a = await raw[where].callTool({ name: 'add', arguments: { a: 2, b: 3 } });
  const b = await typed[where].callTool('add', { a: 2, b: 3 });
  if (a.content[0].text !== '5' || b.content[0].text !== '5') throw new Error(`${where} answered wrongly`);
}

// Interleaved rounds: each round times a batch of each client back to back (in alternating order),
// so a burst of load on the machine hits both sides of a ratio alike; the figures are the medians
// over the rounds (and the 25th–75th percentile of the per-round ratios).
const rounds = args.quick ? 10 : 40;
const batch = { inProcess: args.quick ? 100 : 400, http: args.quick ? 30 : 120 };
let n = 0;
const runs = {
  official: (where) => raw[where].callTool({ name: 'add', arguments: { a: n++, b: 1 } }),
  mcpkit: (where) => typed[where].tools.add({ a: n++, b: 1 }),
};
/** Wall-clock and CPU time (user + system of this process, which runs client and server) per call of a batch, µs. */
async function timeBatch(where, side) {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  for (let i = 0; i < batch[where]; i++) await runs[side](where);
  const wall = Number(process.hrtime.bigint() - started) / 1_000 / batch[where];
  const used = process.cpuUsage(cpu);
  return { wall, cpu: (used.user + used.system) / batch[where] };
}
const median = (values) => quantile(values, 0.5);
function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  return sorted[low] + (sorted[Math.ceil(at)] - sorted[low]) * (at - low);
}
const samples = {};
for (const where of ['inProcess', 'http']) {
  samples[where] = { official: [], mcpkit: [], ratio: [], officialCpu: [], mcpkitCpu: [], ratioCpu: [] };
  // Warm-up: both paths compiled and connections open before anything is timed.
  await timeBatch(where, 'official');
  await timeBatch(where, 'mcpkit');
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? ['official', 'mcpkit'] : ['mcpkit', 'official'];
    const t = {};
    for (const side of order) t[side] = await timeBatch(where, side);
    const s = samples[where];
    s.official.push(t.official.wall);
    s.mcpkit.push(t.mcpkit.wall);
    s.ratio.push(t.mcpkit.wall / t.official.wall);
    s.officialCpu.push(t.official.cpu);
    s.mcpkitCpu.push(t.mcpkit.cpu);
    s.ratioCpu.push(t.mcpkit.cpu / t.official.cpu);
  }
}

const range = (r) =>
  `${median(r).toFixed(2)}× (${quantile(r, 0.25).toFixed(2)}–${quantile(r, 0.75).toFixed(2)})`;
console.log(
  `tools/call (add), per call, median of ${rounds} interleaved rounds (wall clock | CPU of the process):`,
);
for (const where of ['inProcess', 'http']) {
  const s = samples[where];
  for (const [side, label] of [
    ['official', 'official client callTool'],
    ['mcpkit', '@mcpkit/client tools.add'],
  ]) {
    const wall = median(s[side]).toFixed(1).padStart(8);
    const cpu = median(s[`${side}Cpu`]).toFixed(1).padStart(8);
    console.log(`  ${`${where}: ${label}`.padEnd(40)} ${wall} µs | ${cpu} µs`);
  }
}
for (const where of ['inProcess', 'http']) {
  const s = samples[where];
  console.log(
    `  ${where}: @mcpkit/client / official client = ${range(s.ratio)} wall | ${range(s.ratioCpu)} CPU`,
  );
}
for (const client of [...Object.values(raw), ...Object.values(typed)]) await client.close();
await http.close();
process.exit(0);
