// Server-side counters read from /proc/<pid>: CPU time and write syscalls. They count only what
// the server process itself did, so the load generator sharing the machine barely moves them.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { freePort } from '../scripts/free-port.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU time (user + system, ms) and write syscalls (`syscw`) of a process so far. */
export function counters(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuMs = ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  const syscw = Number(/syscw:\s*(\d+)/.exec(io)?.[1] ?? Number.NaN);
  const rss = Number(/VmRSS:\s*(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) * 1024;
  return { cpuMs, syscw, rss };
}

/** Starts `servers/<file>` on a free port with `env`; resolves once it prints READY. */
export async function startServer(file, env = {}, args = []) {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [...args, join(here, 'servers', file)], {
    env: { ...process.env, PORT: String(port), LOG_LEVEL: 'silent', NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${file} did not start: ${stderr}`)), 60_000);
    child.stdout.on('data', (d) => {
      if (String(d).includes('READY')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`${file} exited (${code}): ${stderr}`)));
  });
  return {
    child,
    pid: child.pid,
    port,
    url: `http://127.0.0.1:${port}/mcp`,
    startedAt: started,
    readyMs: performance.now() - started,
    stop: () => child.kill('SIGKILL'),
  };
}

/** Drives `url` with autocannon for `seconds`; returns the autocannon result. */
export function drive(url, { headers, body }, seconds, connections) {
  return new Promise((resolve, reject) => {
    autocannon(
      { url, method: 'POST', headers, body, connections, duration: seconds, pipelining: 1, timeout: 10 },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

/**
 * Drives a server and reads its counters around the run: requests per second and, per request,
 * server CPU (µs) and write syscalls. Errors and non-2xx answers are reported, not hidden.
 */
export async function measure(server, request, seconds, connections) {
  const before = counters(server.pid);
  const result = await drive(server.url, request, seconds, connections);
  const after = counters(server.pid);
  const requests = result.requests.total;
  return {
    rps: result.requests.average,
    requests,
    cpuUsPerRequest: ((after.cpuMs - before.cpuMs) * 1000) / requests,
    writesPerRequest: (after.syscw - before.syscw) / requests,
    errors: result.errors + result.timeouts + result.non2xx,
    rss: after.rss,
  };
}
