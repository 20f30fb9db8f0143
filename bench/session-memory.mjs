#!/usr/bin/env node
// Per-session memory: heap held per legacy session, from the heapUsed delta (after full GCs) over
// --sessions sessions opened with initialize on a server in this process. Run with --expose-gc
// (the script re-executes itself with it when missing).
//   node bench/session-memory.mjs [--sessions 10000]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createMemorySessionStore, createServer, silentLogger } from '@mcpkit/core';
import { registerTools } from './servers/mcpkit-tools.mjs';

if (typeof globalThis.gc !== 'function') {
  const again = spawnSync(
    process.execPath,
    ['--expose-gc', fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    {
      stdio: 'inherit',
    },
  );
  process.exit(again.status ?? 1);
}
const { values: args } = parseArgs({
  options: { sessions: { type: 'string', default: '10000' }, quick: { type: 'boolean', default: false } },
});
const count = args.quick ? 500 : Number(args.sessions);
const handle = await registerTools(
  createServer({ name: 'bench-sessions', version: '1.0.0', logger: silentLogger }),
).serve({
  port: 0,
  allowedHosts: [],
  handleSignals: false,
  // One client opening sessions this fast is a flood the default limits refuse: admit them all.
  sessions: { maxNewPerCaller: count * 2, store: createMemorySessionStore({ maxSessions: count + 1_000 }) },
});
const initialize = (i) =>
  fetch(handle.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: i,
      method: 'initialize',
      params: {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: `c${i}`, version: '1.0.0' },
      },
    }),
  }).then(async (response) => {
    await response.text();
    if (response.status !== 200 || !response.headers.get('mcp-session-id'))
      throw new Error(`HTTP ${response.status}`);
  });
const settle = () => {
  for (let i = 0; i < 3; i++) globalThis.gc();
  return process.memoryUsage().heapUsed;
};
// Warm up every path first (and the client's own pools), so the delta holds sessions only.
for (let i = 0; i < 200; i++) await initialize(-i - 1);
const before = settle();
const concurrency = 20;
let next = 0;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < count) await initialize(next++);
  }),
);
const after = settle();
console.log(
  `${count} legacy sessions: heapUsed +${((after - before) / 2 ** 20).toFixed(1)} MiB, ${Math.round(
    (after - before) / count,
  )} B per session (memory session store, in process)`,
);
await handle.close();
