// Abandoned calls: one legacy session sends test_elicitation calls and drops each connection as
// soon as the first event (the elicitation request) arrives, against a server with a capped heap.
// Then it waits for the reconnect window to pass and checks that the server holds no call,
// detached stream, pending client request or connection any more, and that a client that does
// reconnect within the window still gets the rest of its stream.
//
//   node bench/abandon.mjs                       # 100,000 calls, 128 MB heap, 5 s window
//   node bench/abandon.mjs --calls 20000 --concurrency 100
import { request as httpRequest } from 'node:http';
import { parseArgs } from 'node:util';
import { startSoakServer } from './soak/soak-server.mjs';

const { values: args } = parseArgs({
  options: {
    calls: { type: 'string', default: '100000' },
    concurrency: { type: 'string', default: '200' },
    heap: { type: 'string', default: '128' },
    window: { type: 'string', default: '5000' },
  },
});
const total = Number(args.calls);
const windowMs = Number(args.window);
const LEGACY = '2025-11-25';
const server = await startSoakServer({
  heapMb: Number(args.heap),
  sessions: true,
  streamLimits: { reconnectWindowMs: windowMs },
});
const headers = (session) => ({
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': LEGACY,
  ...(session ? { 'mcp-session-id': session } : {}),
});
const init = await fetch(server.url, {
  method: 'POST',
  headers: headers(),
  body: JSON.stringify({
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: {
      protocolVersion: LEGACY,
      capabilities: { elicitation: {} },
      clientInfo: { name: 'abandon', version: '1' },
    },
  }),
});
await init.text();
const session = init.headers.get('mcp-session-id');
const baseline = await server.usage();

/**
 * Posts one call on its own connection and reads until the first event with data (the elicitation
 * request); then destroys the connection, as a client that goes away does. Returns the event.
 */
function abandonOne(id) {
  const target = new URL(server.url);
  const body = JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: { name: 'test_elicitation', arguments: {} },
  });
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        agent: false,
        headers: { ...headers(session), 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          text += chunk;
          const match = /id: (\S+)\ndata: (\{.*\})\n\n/.exec(text);
          if (!match) return;
          req.destroy();
          resolve({ eventId: match[1], message: JSON.parse(match[2]) });
        });
        res.on('end', () =>
          reject(new Error(`call ${id} ended before its first event: ${text.slice(0, 200)}`)),
        );
        res.on('error', () => {});
      },
    );
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`call ${id} timed out`)));
    req.end(body);
  });
}

let next = 1;
let errors = 0;
const started = Date.now();
let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, server.rssMb());
}, 1_000);
await Promise.all(
  Array.from({ length: Number(args.concurrency) }, async () => {
    while (next <= total && server.exited === undefined) {
      const id = next++;
      try {
        const { message } = await abandonOne(id);
        if (message.method !== 'elicitation/create') errors++;
      } catch {
        errors++;
      }
    }
  }),
);
const sentMs = Date.now() - started;
const atEnd = await server.usage();
// Past the reconnect window every abandoned call must have been cancelled and released.
await new Promise((resolve) => setTimeout(resolve, windowMs + 2_000));
const after = await server.usage();

// A client that comes back within the window gets the rest of its stream.
const kept = await abandonOne('resumed');
const resumed = await fetch(server.url, {
  headers: {
    accept: 'text/event-stream',
    'last-event-id': kept.eventId,
    'mcp-protocol-version': LEGACY,
    'mcp-session-id': session,
  },
});
const answer = await fetch(server.url, {
  method: 'POST',
  headers: headers(session),
  body: JSON.stringify({
    jsonrpc: '2.0',
    id: kept.message.id,
    result: { action: 'accept', content: { name: 'Ada' } },
  }),
});
await answer.text();
const rest = await resumed.text();
const reconnected = resumed.status === 200 && rest.includes('accept: {\\"name\\":\\"Ada\\"}');
clearInterval(sampler);

const held = (u) => ({
  calls: u.calls,
  resumableStreams: u.resumableStreams,
  detachedCalls: u.detachedCalls,
  pendingClientRequests: u.pendingClientRequests,
  connections: u.connections,
  heapUsedMb: Math.round(u.heapUsed / 2 ** 20),
  rssMb: Math.round(u.rss / 2 ** 20),
});
const crashed = server.exited !== undefined;
const back =
  after.calls === baseline.calls &&
  after.detachedCalls === 0 &&
  after.pendingClientRequests === 0 &&
  after.resumableStreams === 0 &&
  after.connections <= baseline.connections;
const report = {
  calls: total,
  sentInSeconds: Math.round(sentMs / 1_000),
  errors,
  heapMb: Number(args.heap),
  reconnectWindowMs: windowMs,
  peakRssMb: Math.round(peakRss),
  baseline: held(baseline),
  rightAfterTheCalls: held(atEnd),
  afterTheWindow: held(after),
  backToBaseline: back,
  reconnectWithinWindowGetsTheRest: reconnected,
  crashed,
};
console.log(JSON.stringify(report, null, 2));
server.stop();
process.exitCode = !crashed && errors === 0 && back && reconnected ? 0 : 1;
