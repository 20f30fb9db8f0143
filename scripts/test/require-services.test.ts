import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('../require-services.mjs', import.meta.url));
const cleanup: Array<() => void> = [];

/** A throwaway repository whose one test reads the given environment variables. */
function repoReading(...variables: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'mcpkit-services-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'packages', 'demo', 'test'), { recursive: true });
  const body = variables.map((v) => `export const url = process.env.${v};\n`).join('');
  writeFileSync(join(dir, 'packages', 'demo', 'test', 'store.test.ts'), body);
  return dir;
}

/** A TCP server on 127.0.0.1 that answers every connection's first bytes with `reply`. */
async function fakeService(reply: string): Promise<number> {
  const server: Server = createServer((socket) => socket.once('data', () => socket.end(reply)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => server.close());
  return (server.address() as { port: number }).port;
}

/** A port on 127.0.0.1 where nothing listens. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function run(dir: string, env: Record<string, string>) {
  return new Promise<{ status: number | null; stderr: string; ms: number }>((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [SCRIPT, dir], {
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('close', (status) => resolve({ status, stderr, ms: Date.now() - started }));
  });
}

afterEach(() => {
  for (const undo of cleanup.splice(0)) undo();
});

describe('require-services', () => {
  it('stops at once with one message naming Redis, the URL tried and how to start it', async () => {
    const port = await deadPort();
    const result = await run(repoReading('REDIS_URL'), { REDIS_URL: `redis://127.0.0.1:${port}` });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`Redis is not reachable at redis://127.0.0.1:${port} (REDIS_URL)`);
    expect(result.stderr).toContain(`redis-server --daemonize yes --bind 127.0.0.1 --port ${port}`);
    expect(result.stderr.match(/not reachable/g)).toHaveLength(1);
    expect(result.ms).toBeLessThan(5_000);
  });

  it('names PostgreSQL, DATABASE_URL and its start command when PostgreSQL is the one missing', async () => {
    const port = await deadPort();
    const result = await run(repoReading('DATABASE_URL'), {
      DATABASE_URL: `postgres://app@127.0.0.1:${port}/app`,
    });
    expect(result.stderr).toContain(`PostgreSQL is not reachable at postgres://app@127.0.0.1:${port}/app`);
    expect(result.stderr).toContain('main start');
    expect(result.stderr).not.toContain('Redis');
  });

  it('reports every missing service in the same message, with passwords hidden', async () => {
    const [redisPort, pgPort] = [await deadPort(), await deadPort()];
    const result = await run(repoReading('REDIS_URL', 'DATABASE_URL'), {
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      DATABASE_URL: `postgres://app:hunter2@127.0.0.1:${pgPort}/app`,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('some are not running');
    expect(result.stderr).toContain('Redis is not reachable');
    expect(result.stderr).toContain(`postgres://app:***@127.0.0.1:${pgPort}/app`);
    expect(result.stderr).not.toContain('hunter2');
  });

  it('passes when each service answers its protocol greeting', async () => {
    const result = await run(repoReading('REDIS_URL', 'DATABASE_URL'), {
      REDIS_URL: `redis://127.0.0.1:${await fakeService('+PONG\r\n')}`,
      DATABASE_URL: `postgres://app@127.0.0.1:${await fakeService('N')}/app`,
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('refuses a port where something other than the service answers', async () => {
    const port = await fakeService('HTTP/1.1 400 Bad Request\r\n\r\n');
    const result = await run(repoReading('REDIS_URL'), { REDIS_URL: `redis://127.0.0.1:${port}` });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('something else listens there (not Redis)');
  });

  it('does not ask for a service no test reads', async () => {
    const port = await deadPort();
    const result = await run(repoReading('REDIS_URL'), {
      REDIS_URL: `redis://127.0.0.1:${await fakeService('+PONG\r\n')}`,
      DATABASE_URL: `postgres://app@127.0.0.1:${port}/app`,
    });
    expect(result.status).toBe(0);
  });
});
