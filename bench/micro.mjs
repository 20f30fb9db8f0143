#!/usr/bin/env node
// In-process per-call cost: mcpkit's dispatch against the official SDK's server, each driven the
// same way. Two views:
//   client  — the official SDK Client calling tools/call over the SDK's InMemoryTransport;
//   server  — raw JSON-RPC messages pushed into each server's transport end (no Client at all),
//             which isolates what the server itself costs per call.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createServer } from '@mcpkit/core';
import { StreamConnection } from '@mcpkit/core/internal';
import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport, McpServer } from '@modelcontextprotocol/server';
import { Bench } from 'tinybench';
import * as f from './fixtures.mjs';

const { values: args } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
const time = args.quick ? 300 : 2_000;

function sdkServer() {
  const server = new McpServer({ name: 'micro-sdk', version: '1.0.0' });
  server.registerTool('add', { description: 'Adds two numbers', inputSchema: f.addInput }, async (a) => ({
    content: [{ type: 'text', text: f.add(a) }],
  }));
  return server;
}

function mcpkitServer() {
  return createServer({ name: 'micro-mcpkit', version: '1.0.0' })
    .tool('add', { description: 'Adds two numbers', input: f.addInput, handler: f.add })
    .build();
}

/** Wires an mcpkit server to the server end of an InMemoryTransport pair. */
async function attachMcpkit(serverEnd) {
  const connection = new StreamConnection(mcpkitServer(), (message) => void serverEnd.send(message));
  serverEnd.onmessage = (message) => connection.receive(message);
  await serverEnd.start();
}

async function connectedClient(kind) {
  const [clientEnd, serverEnd] = InMemoryTransport.createLinkedPair();
  if (kind === 'sdk') await sdkServer().connect(serverEnd);
  else await attachMcpkit(serverEnd);
  const client = new Client({ name: 'micro', version: '1.0.0' });
  await client.connect(clientEnd);
  return client;
}

/** A raw driver: sends JSON-RPC into the server end and resolves with the matching response. */
async function rawDriver(kind) {
  const [clientEnd, serverEnd] = InMemoryTransport.createLinkedPair();
  if (kind === 'sdk') await sdkServer().connect(serverEnd);
  else await attachMcpkit(serverEnd);
  const waiting = new Map();
  clientEnd.onmessage = (message) => {
    const resolve = waiting.get(message.id);
    if (resolve) {
      waiting.delete(message.id);
      resolve(message);
    }
  };
  await clientEnd.start();
  let id = 0;
  const call = (method, params) =>
    new Promise((resolve) => {
      const requestId = id++;
      waiting.set(requestId, resolve);
      void clientEnd.send({ jsonrpc: '2.0', id: requestId, method, params });
    });
  await call('initialize', {
    protocolVersion: '2025-11-25',
    capabilities: {},
    clientInfo: { name: 'raw', version: '1' },
  });
  await clientEnd.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  return (a, b) => call('tools/call', { name: 'add', arguments: { a, b } });
}

const clients = { sdk: await connectedClient('sdk'), mcpkit: await connectedClient('mcpkit') };
const raws = { sdk: await rawDriver('sdk'), mcpkit: await rawDriver('mcpkit') };
for (const kind of ['sdk', 'mcpkit']) {
  const viaClient = await clients[kind].callTool({ name: 'add', arguments: { a: 2, b: 3 } });
  const viaRaw = await raws[kind](2, 3);
  if (viaClient.content[0].text !== '5' || viaRaw.result.content[0].text !== '5')
    throw new Error(`${kind} answered wrongly`);
}

const bench = new Bench({ time, warmup: true });
let n = 0;
bench
  .add('client → official SDK server', async () => {
    await clients.sdk.callTool({ name: 'add', arguments: { a: n++, b: 1 } });
  })
  .add('client → mcpkit', async () => {
    await clients.mcpkit.callTool({ name: 'add', arguments: { a: n++, b: 1 } });
  })
  .add('raw → official SDK server', async () => {
    await raws.sdk(n++, 1);
  })
  .add('raw → mcpkit', async () => {
    await raws.mcpkit(n++, 1);
  });
await bench.run();

const rows = bench.tasks.map((task) => ({
  name: task.name,
  meanUs: task.result.latency.mean * 1000,
  opsPerSec: task.result.throughput.mean,
}));
const us = (name) => rows.find((r) => r.name === name).meanUs;
const ratios = {
  client: us('client → mcpkit') / us('client → official SDK server'),
  server: us('raw → mcpkit') / us('raw → official SDK server'),
};
console.log('in-process tools/call (add), mean per call:');
for (const row of rows)
  console.log(
    `  ${row.name.padEnd(30)} ${row.meanUs.toFixed(1).padStart(8)} µs   ${row.opsPerSec.toFixed(0).padStart(8)} calls/s`,
  );
console.log(
  `  mcpkit / official SDK: ${ratios.client.toFixed(2)}× the cost through the client, ${ratios.server.toFixed(2)}× server-side only`,
);
if (!args.quick) {
  const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'micro.json');
  writeFileSync(
    out,
    `${JSON.stringify({ date: new Date().toISOString(), node: process.version, rows, ratios }, null, 2)}\n`,
  );
}
for (const client of Object.values(clients)) await client.close();
process.exit(0);
