// A stream flood: one client (one address, no credentials) opens many long-lived modern
// `subscriptions/listen` streams from several processes. Beyond the caps they must be refused with
// the coded error while /healthz and another caller's calls keep answering; when the client lets
// go, the server takes streams again. Everything talks to 127.0.0.1 and stops by itself.
//
//   node bench/stream-flood.mjs                  # 25,000 streams from 5 processes
//   node bench/stream-flood.mjs --streams 5000 --processes 2
import { fork } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const MODERN = '2026-07-28';
const envelope = {
  'io.modelcontextprotocol/protocolVersion': MODERN,
  'io.modelcontextprotocol/clientInfo': { name: 'flood', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': {},
};
const modernHeaders = (method, name) => ({
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': MODERN,
  'mcp-method': method,
  ...(name ? { 'mcp-name': name } : {}),
});

/** One listen attempt on its own connection: resolves with the status (and the error code when refused). */
function openStream(url, id, held) {
  const target = new URL(url);
  const body = JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'subscriptions/listen',
    params: { notifications: { toolsListChanged: true }, _meta: envelope },
  });
  return new Promise((resolve) => {
    const req = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        agent: false,
        headers: { ...modernHeaders('subscriptions/listen'), 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        if (res.statusCode === 200) {
          held.push(req);
          res.on('error', () => {});
          return resolve({ status: 200 });
        }
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => {
          text += c;
        });
        res.on('end', () => {
          let code;
          try {
            code = JSON.parse(text).error?.data?.code;
          } catch {}
          resolve({ status: res.statusCode, code, retryAfter: res.headers['retry-after'] });
        });
      },
    );
    req.on('error', (error) => resolve({ status: 0, code: error.code }));
    req.end(body);
  });
}

if (process.argv[2] === '--worker') {
  // A flooding process: opens its share, reports, holds the accepted streams until told to close.
  const [, , , url, count, inflight] = process.argv;
  const held = [];
  const outcomes = {};
  let next = 0;
  // Booting a process is not part of the attack: wait, started, until every flooder is ready.
  process.send({ ready: true });
  await new Promise((resolve) => process.once('message', resolve));
  await Promise.all(
    Array.from({ length: Number(inflight) }, async () => {
      while (next < Number(count)) {
        const id = next++;
        const r = await openStream(url, `${process.pid}-${id}`, held);
        const key = `${r.status}${r.code ? ` ${r.code}` : ''}${r.retryAfter ? ` retry-after=${r.retryAfter}` : ''}`;
        outcomes[key] = (outcomes[key] ?? 0) + 1;
      }
    }),
  );
  process.send({ outcomes, held: held.length });
  process.on('message', () => {
    for (const req of held) req.destroy();
    setTimeout(() => process.exit(0), 200);
  });
} else {
  const { startSoakServer } = await import('./soak/soak-server.mjs');
  const { values: args } = parseArgs({
    options: {
      streams: { type: 'string', default: '25000' },
      processes: { type: 'string', default: '5' },
      inflight: { type: 'string', default: '500' },
      heap: { type: 'string', default: '128' },
    },
  });
  const server = await startSoakServer({ heapMb: Number(args.heap) });
  const processes = Number(args.processes);
  const share = Math.ceil(Number(args.streams) / processes);

  const here = fileURLToPath(import.meta.url);
  const workers = Array.from({ length: processes }, () =>
    fork(here, ['--worker', server.url, String(share), args.inflight], { stdio: 'inherit' }),
  );
  await Promise.all(workers.map((w) => new Promise((resolve) => w.once('message', resolve))));
  const before = await server.usage();

  // Probes while the flood runs: /healthz in a loop, and another caller's tools/call.
  let flooding = true;
  const health = [];
  const calls = { ok: 0, failed: 0 };
  const probe = (async () => {
    while (flooding) {
      const t0 = performance.now();
      try {
        const r = await fetch(`${server.origin}/healthz`, { signal: AbortSignal.timeout(10_000) });
        await r.text();
        health.push(r.status === 200 ? performance.now() - t0 : Number.POSITIVE_INFINITY);
      } catch {
        health.push(Number.POSITIVE_INFINITY);
      }
      const body = JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'add', arguments: { a: 2, b: 3 }, _meta: envelope },
      });
      try {
        const r = await fetch(server.url, {
          method: 'POST',
          headers: modernHeaders('tools/call', 'add'),
          body,
        });
        const text = await r.text();
        if (r.status === 200 && text.includes('"5"')) calls.ok++;
        else calls.failed++;
      } catch {
        calls.failed++;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();

  const started = Date.now();
  for (const w of workers) w.send('go');
  const reports = await Promise.all(workers.map((w) => new Promise((resolve) => w.once('message', resolve))));
  const floodSeconds = (Date.now() - started) / 1_000;
  const during = await server.usage();
  flooding = false;
  await probe;
  for (const w of workers) w.send('close');
  await Promise.all(workers.map((w) => new Promise((resolve) => w.once('exit', resolve))));
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const after = await server.usage();
  const held = [];
  const recovered = await openStream(server.url, 'after', held);
  for (const req of held) req.destroy();

  const outcomes = {};
  for (const r of reports)
    for (const [k, n] of Object.entries(r.outcomes)) outcomes[k] = (outcomes[k] ?? 0) + n;
  const sorted = [...health].sort((a, b) => a - b);
  const pct = (p) =>
    Number((sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN).toFixed(1));
  const report = {
    attempts: share * processes,
    processes,
    floodSeconds: Number(floodSeconds.toFixed(1)),
    outcomes,
    openStreamsDuringFlood: during.openStreams,
    serverConnectionsDuringFlood: during.connections,
    serverCpuMsDuringFlood: during.cpuMs - before.cpuMs,
    serverLoopDelayMs: during.loopDelayMs,
    healthz: { requests: health.length, p50Ms: pct(50), p99Ms: pct(99), maxMs: pct(100) },
    otherCallerCalls: calls,
    afterClose: { openStreams: after.openStreams, connections: after.connections },
    newStreamAcceptedAfterwards: recovered.status === 200,
    rssMb: Math.round(after.rss / 2 ** 20),
    crashed: server.exited !== undefined,
  };
  console.log(JSON.stringify(report, null, 2));
  server.stop();
  const pass =
    !report.crashed &&
    report.healthz.p99Ms < 100 &&
    calls.failed === 0 &&
    report.newStreamAcceptedAfterwards &&
    after.openStreams === 0;
  process.exitCode = pass ? 0 : 1;
}
