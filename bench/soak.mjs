// The soak: each workload at full speed against a fresh mcpkit server whose heap is capped (as
// containers run them), watching the server's resident memory. A workload passes when the server
// does not crash, no request fails, and RSS after the warm-up stays within 1.5x of its value at
// the end of the warm-up. Loops stop by themselves; everything talks to 127.0.0.1 only.
//
//   node bench/soak.mjs                          # 5 minutes per workload, 128 MB heap
//   node bench/soak.mjs --minutes 1 --workloads legacy-sse,modern
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { startSoakServer } from './soak/soak-server.mjs';
import { requestFor, WORKLOADS } from './workloads.mjs';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '5' },
    warmup: { type: 'string' },
    heap: { type: 'string', default: '128' },
    connections: { type: 'string', default: '25' },
    workloads: { type: 'string', default: 'legacy-sse,legacy-sessions,modern' },
  },
});
const seconds = Math.round(Number(args.minutes) * 60);
// RSS is compared from the end of the warm-up: the first minute, or half of a shorter run.
const warmup = Number(args.warmup ?? Math.min(60, seconds / 2));
const heapMb = Number(args.heap);
const connections = Number(args.connections);
const SAMPLE_MS = 5_000;
const byId = Object.fromEntries(WORKLOADS.map((w) => [w.id, w]));

/** Runs autocannon for the whole soak with one request shape. */
function cannon(url, { headers, body }) {
  return new Promise((resolve, reject) => {
    autocannon(
      { url, method: 'POST', headers, body, connections, duration: seconds, pipelining: 1, timeout: 10 },
      (error, result) =>
        error
          ? reject(error)
          : resolve({
              requests: result.requests.total,
              errors: result.errors + result.timeouts + result.non2xx,
            }),
    );
  });
}

const LEGACY = '2025-06-18';
const legacyHeaders = (session) => ({
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': LEGACY,
  ...(session ? { 'mcp-session-id': session } : {}),
});

/** Legacy stateful sessions: initialize, five streamed progress calls, then DELETE every other session. */
async function sessionWorkers(url) {
  const deadline = Date.now() + seconds * 1_000;
  let requests = 0;
  let errors = 0;
  const call = async (body, session, expect) => {
    requests++;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: legacyHeaders(session),
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      const text = await response.text();
      if (response.status !== expect || (body.id !== undefined && !text.includes('"result"'))) errors++;
      return response;
    } catch {
      errors++;
      return undefined;
    }
  };
  const worker = async () => {
    for (let round = 0; Date.now() < deadline; round++) {
      const init = await call(
        {
          jsonrpc: '2.0',
          id: 0,
          method: 'initialize',
          params: {
            protocolVersion: LEGACY,
            capabilities: {},
            clientInfo: { name: 'soak', version: '1.0.0' },
          },
        },
        undefined,
        200,
      );
      const session = init?.headers.get('mcp-session-id');
      if (!session) continue;
      await call({ jsonrpc: '2.0', method: 'notifications/initialized' }, session, 202);
      for (let i = 1; i <= 5; i++) {
        const params = { name: 'progress', arguments: {}, _meta: { progressToken: `p${i}` } };
        await call({ jsonrpc: '2.0', id: i, method: 'tools/call', params }, session, 200);
      }
      if (round % 2 === 0) {
        requests++;
        const gone = await fetch(url, { method: 'DELETE', headers: legacyHeaders(session) }).catch(
          () => undefined,
        );
        if (gone?.status !== 200) errors++;
        await gone?.text();
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  return { requests, errors };
}

const SOAKS = {
  'legacy-sse': {
    title: 'legacy SSE progress calls (stateless 2025-06-18, 3 progress notifications)',
    sessions: false,
    run: (server) => cannon(server.url, requestFor(byId.d, 'legacy')),
  },
  'legacy-sessions': {
    title: 'legacy stateful sessions (initialize, 5 streamed progress calls, DELETE every other)',
    sessions: true,
    run: (server) => sessionWorkers(server.url),
  },
  modern: {
    title: 'modern calls (2026-07-28 tools/call add)',
    sessions: false,
    run: (server) => cannon(server.url, requestFor(byId.a, 'modern')),
  },
};

const results = [];
for (const id of args.workloads.split(',')) {
  const soak = SOAKS[id];
  if (!soak) throw new Error(`unknown workload ${id}; known: ${Object.keys(SOAKS).join(', ')}`);
  const server = await startSoakServer({ heapMb, sessions: soak.sessions });
  const samples = [];
  const started = Date.now();
  const sampler = setInterval(
    () => samples.push({ s: (Date.now() - started) / 1_000, rss: server.rssMb() }),
    SAMPLE_MS,
  );
  process.stdout.write(`${id}: ${soak.title}, ${seconds} s, heap ${heapMb} MB ... `);
  let outcome;
  try {
    outcome = await soak.run(server);
  } catch (error) {
    outcome = { requests: 0, errors: 1, failure: String(error) };
  }
  clearInterval(sampler);
  const usage = server.exited === undefined ? await server.usage().catch(() => undefined) : undefined;
  const crashed = server.exited !== undefined;
  server.stop();
  const atWarmup = samples.find((x) => x.s >= warmup)?.rss ?? Number.NaN;
  const after = samples.filter((x) => x.s >= warmup).map((x) => x.rss);
  const maxAfter = Math.max(...after);
  const ratio = maxAfter / atWarmup;
  const pass = !crashed && outcome.errors === 0 && ratio <= 1.5;
  const result = {
    workload: id,
    seconds,
    heapMb,
    requests: outcome.requests,
    errors: outcome.errors,
    crashed: crashed ? `${server.exited}: ${server.stderr.slice(-300)}` : false,
    rssMb: {
      first: samples[0]?.rss,
      atWarmup,
      maxAfterWarmup: maxAfter,
      last: samples.at(-1)?.rss,
      ratio: Number(ratio.toFixed(2)),
    },
    heapUsedMbAtEnd: usage ? Math.round(usage.heapUsed / 2 ** 20) : undefined,
    held: usage
      ? {
          calls: usage.calls,
          detachedCalls: usage.detachedCalls,
          pendingClientRequests: usage.pendingClientRequests,
        }
      : undefined,
    pass,
  };
  results.push(result);
  console.log(
    `${pass ? 'ok' : 'FAIL'}: ${outcome.requests} requests, ${outcome.errors} errors, RSS ${atWarmup.toFixed(0)} MB at ${warmup} s -> max ${maxAfter.toFixed(0)} MB after (${ratio.toFixed(2)}x)${crashed ? `, CRASHED (${server.exited})` : ''}`,
  );
  if (outcome.failure) console.log(`  ${outcome.failure}`);
}
console.log(JSON.stringify(results, null, 2));
process.exitCode = results.every((r) => r.pass) ? 0 : 1;
