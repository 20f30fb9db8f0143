#!/usr/bin/env node
import { parseArgs } from 'node:util';
// Per-call cost of @mcpkit/client's typed call (`client.tools.add()`: deadline, breaker, retry
// decision, error mapping) against the raw official SDK client's `callTool()`, both against the
// same mcpkit server over the same kind of transport, paired in one run: in process (the SDK's
// InMemoryTransport) and over Streamable HTTP on 127.0.0.1. Both speak the modern era.
//   node client.mjs [--quick]     (pnpm bench:client)
import { createClient } from '@mcpkit/client';
import { createServer, silentLogger } from '@mcpkit/core';
import { StreamConnection } from '@mcpkit/core/internal';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { InMemoryTransport } from '@modelcontextprotocol/server';
import { Bench } from 'tinybench';
import * as f from './fixtures.mjs';

const { values: args } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
const time = args.quick ? 300 : 2_000;
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

let n = 0;
const bench = new Bench({ time, warmup: true });
for (const where of ['inProcess', 'http']) {
  bench
    .add(`${where}: official client callTool`, async () => {
      await raw[where].callTool({ name: 'add', arguments: { a: n++, b: 1 } });
    })
    .add(`${where}: @mcpkit/client tools.add`, async () => {
      await typed[where].tools.add({ a: n++, b: 1 });
    });
}
await bench.run();

const us = (name) => bench.tasks.find((task) => task.name === name).result.latency.mean * 1000;
console.log('tools/call (add), mean per call:');
for (const task of bench.tasks)
  console.log(`  ${task.name.padEnd(40)} ${us(task.name).toFixed(1).padStart(8)} µs`);
for (const where of ['inProcess', 'http']) {
  const ratio = us(`${where}: @mcpkit/client tools.add`) / us(`${where}: official client callTool`);
  console.log(`  ${where}: @mcpkit/client / official client = ${ratio.toFixed(2)}×`);
}
for (const client of [...Object.values(raw), ...Object.values(typed)]) await client.close();
await http.close();
process.exit(0);
