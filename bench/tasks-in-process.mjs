#!/usr/bin/env node
// What a task costs the engine itself, without HTTP: the same tasks-present server as tasks.mjs,
// driven in this process through core's StreamConnection (the stdio / in-process path: one parse
// of each message as the transports do, no sockets). CPU per operation from process.cpuUsage(),
// rounds in alternating order, medians reported. The HTTP bench (tasks.mjs) adds the same socket
// and parsing cost to every request; this one shows what the task machinery adds on its own.
//   pnpm --dir bench bench:tasks:in-process [--calls n] [--rounds n] [--concurrency n] [--only plain,task,create,get]
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { StreamConnection } from '@mcpkit/core/internal';
import { tasksServer } from './servers/mcpkit-tasks-tools.mjs';

const { values: args } = parseArgs({
  options: {
    calls: { type: 'string', default: '50000' },
    rounds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '10' },
    only: { type: 'string' },
  },
});
const calls = Number(args.calls);
const rounds = Number(args.rounds);
const concurrency = Number(args.concurrency);

const MODERN = '2026-07-28';
const meta = {
  'io.modelcontextprotocol/protocolVersion': MODERN,
  'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': { extensions: { 'io.modelcontextprotocol/tasks': {} } },
};

const server = tasksServer().build();
const pending = new Map();
let nextId = 0;
const connection = new StreamConnection(server, (message) => {
  const settle = pending.get(message.id);
  if (settle === undefined) return;
  pending.delete(message.id);
  settle(message);
});
/**
 * One request as a transport delivers it: parsed from its JSON text (the parse is the server's
 * work; the text is put together from parts made once, as a client would have sent it).
 */
function call(tail) {
  return new Promise((resolve) => {
    const id = ++nextId;
    pending.set(id, resolve);
    connection.receive(JSON.parse(`{"jsonrpc":"2.0","id":${id},${tail}`));
  });
}
const metaJson = `"_meta":${JSON.stringify(meta)}`;
const callText = (name) =>
  `"method":"tools/call","params":{"name":"${name}","arguments":{"a":2,"b":3},${metaJson}}}`;
const sum = callText('add');
const sumTask = callText('add_task');
const getText = (taskId) => `"method":"tasks/get","params":{"taskId":"${taskId}",${metaJson}}}`;
function expect(answer, ok) {
  if (!ok(answer.result)) throw new Error(`unexpected answer: ${JSON.stringify(answer)}`);
  return answer.result;
}
const plain = async () => expect(await call(sum), (r) => r?.content !== undefined);
const create = async () => expect(await call(sumTask), (r) => r?.resultType === 'task').taskId;
let polled;
const operations = {
  plain,
  create,
  get: async () => expect(await call(getText(polled)), (r) => r?.status === 'completed'),
  task: async () => {
    const taskId = await create();
    expect(await call(getText(taskId)), (r) => typeof r?.status === 'string');
  },
};

async function measure(name) {
  if (name === 'get') {
    polled = await create();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  let left = calls;
  const before = process.cpuUsage();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (left-- > 0) await operations[name]();
    }),
  );
  const used = process.cpuUsage(before);
  return (used.user + used.system) / calls;
}

console.log(
  `mcpkit tasks in process: ${calls} operations × ${rounds} round(s), ${concurrency} at a time; ` +
    `node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`,
);
const names = args.only === undefined ? Object.keys(operations) : args.only.split(',');
for (const name of names) await measure(name);
const samples = Object.fromEntries(names.map((name) => [name, []]));
for (let round = 0; round < rounds; round++) {
  for (const name of round % 2 === 0 ? names : [...names].reverse()) samples[name].push(await measure(name));
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const cpu = Object.fromEntries(names.map((name) => [name, median(samples[name])]));
const row = (label, value) =>
  value === undefined
    ? undefined
    : `   ${label.padEnd(34)} ${value.toFixed(1).padStart(6)} µs   ×${(value / cpu.plain).toFixed(2)}`;
console.log(
  [
    '',
    '   CPU per operation (median of rounds)     vs plain',
    row('plain tools/call', cpu.plain),
    row('task create + first tasks/get', cpu.task),
    row('  the create alone', cpu.create),
    row('  one tasks/get alone', cpu.get),
  ]
    .filter((line) => line !== undefined)
    .join('\n'),
);
process.exit(0);
