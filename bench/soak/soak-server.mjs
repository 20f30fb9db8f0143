// Starts servers/mcpkit-soak.mjs in a child process with a capped heap and reads its memory.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../scripts/free-port.mjs';

const here = dirname(fileURLToPath(import.meta.url));

/** Starts the soak server; resolves once it listens. `exited` is set if it dies (a crash is a failure). */
export async function startSoakServer({ heapMb = 128, sessions = false, streamLimits = {} } = {}) {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [`--max-old-space-size=${heapMb}`, join(here, '..', 'servers', 'mcpkit-soak.mjs')],
    {
      env: {
        ...process.env,
        PORT: String(port),
        LOG_LEVEL: 'silent',
        NODE_ENV: 'production',
        SOAK_SESSIONS: sessions ? '1' : '0',
        SOAK_LIMITS: JSON.stringify(streamLimits),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const server = {
    child,
    url: `http://127.0.0.1:${port}/mcp`,
    origin: `http://127.0.0.1:${port}`,
    stderr: '',
    exited: undefined,
    /** Resident set size of the server process in MB, from /proc (no request needed). */
    rssMb() {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN) / 1024;
      } catch {
        return Number.NaN;
      }
    },
    /** process.memoryUsage() and handle.usage() of the server, plus its open connections. */
    async usage() {
      const response = await fetch(`${server.origin}/soak/usage`, { signal: AbortSignal.timeout(10_000) });
      return response.json();
    },
    stop() {
      if (server.exited === undefined) child.kill('SIGKILL');
    },
  };
  child.stderr.on('data', (d) => {
    server.stderr = (server.stderr + d).slice(-4_000);
  });
  child.once('exit', (code, signal) => {
    server.exited = signal ?? code;
  });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the soak server did not start: ${server.stderr}`)),
      20_000,
    );
    child.stdout.on('data', (d) => {
      if (String(d).includes('READY')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`the soak server exited (${code}): ${server.stderr}`)));
  });
  process.once('exit', () => server.stop());
  return server;
}
