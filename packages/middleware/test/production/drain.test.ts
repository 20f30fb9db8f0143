// A SIGTERM under load loses no audit record and no log line: every call the server answered is
// in the audit file and in the log file once the process has exited.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const CHILD = fileURLToPath(new URL('../fixtures/drain-child.mjs', import.meta.url));
let dir: string;

beforeAll(() => {
  // The child imports the built packages: build this checkout's (a cache hit when nothing changed).
  execFileSync(
    'pnpm',
    ['turbo', 'run', 'build', '--filter=@mcpkit/middleware', '--output-logs=errors-only'],
    {
      cwd: REPO,
      stdio: 'ignore',
    },
  );
  dir = mkdtempSync(join(tmpdir(), 'mcpkit-drain-'));
}, 180_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** One modern tools/call; resolves with the request id of a call that got its result, else undefined. */
async function call(url: string, n: number): Promise<string | undefined> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'tools/call',
        'mcp-name': 'slow_add',
        'x-api-key': 'drain-key',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: n,
        method: 'tools/call',
        params: {
          name: 'slow_add',
          arguments: { a: n, b: 1 },
          _meta: {
            'io.modelcontextprotocol/protocolVersion': '2026-07-28',
            'io.modelcontextprotocol/clientInfo': { name: 'drain-test', version: '1.0.0' },
            'io.modelcontextprotocol/clientCapabilities': {},
          },
        },
      }),
    });
    const body = (await response.json()) as { result?: { content?: Array<{ text?: string }> } };
    if (response.status !== 200 || body.result?.content?.[0]?.text !== String(n + 1)) return undefined;
    return response.headers.get('x-request-id') ?? undefined;
  } catch {
    return undefined; // refused or reset once the server stopped listening
  }
}

describe('production() under SIGTERM', () => {
  it('writes the audit record and the log line of every answered call before exiting', async () => {
    const auditPath = join(dir, 'audit.jsonl');
    const logPath = join(dir, 'log.jsonl');
    const child = spawn(process.execPath, [CHILD], {
      env: { ...process.env, AUDIT_PATH: auditPath, LOG_PATH: logPath },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        out += chunk;
        const line = out.split('\n').find((l) => l.startsWith('{'));
        if (line) resolve((JSON.parse(line) as { url: string }).url);
      });
      child.once('exit', (code) => reject(new Error(`the server exited early (${code})`)));
    });

    const answered: string[] = [];
    let stop = false;
    let n = 0;
    const worker = async () => {
      while (!stop) {
        const id = await call(url, n++);
        if (id !== undefined) answered.push(id);
      }
    };
    const workers = Array.from({ length: 20 }, worker);
    // Load first, then the signal while calls are in flight and records wait for the slow sink.
    while (answered.length < 200) await new Promise((resolve) => setTimeout(resolve, 10));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    stop = true;
    await Promise.all(workers);

    const audited = new Set(
      readFileSync(auditPath, 'utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => (JSON.parse(line) as { requestId: string }).requestId),
    );
    const logged = new Set(
      readFileSync(logPath, 'utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as { requestId?: string; method?: string })
        .filter((line) => line.requestId !== undefined)
        .map((line) => line.requestId),
    );
    expect(answered.length).toBeGreaterThanOrEqual(200);
    expect(answered.filter((id) => !audited.has(id))).toEqual([]);
    expect(answered.filter((id) => !logged.has(id))).toEqual([]);
  }, 60_000);
});
