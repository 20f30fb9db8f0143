// Issue 13, acceptance 5: a production() server with apiKey() over stdio takes its caller's key from
// its launch environment, exactly as the auth guide's mcpServers entry sets it, and refuses a wrong key
// with the coded error HTTP gives. The server is the built package, launched by the official client.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { postModern, type RpcBody } from '../fixtures/wire.js';

// The checkout this file belongs to, wherever it was cloned.
const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../fixtures/stdio-billing-server.mjs', import.meta.url));
const KEY = 'mcp_test_billing_4f9d2c7a';
const WRONG_KEY = 'mcp_test_wrong_91c3e0aa';
const MODERN = '2026-07-28';

/** Newest modification time of any file under `dir`. */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/** Whether a package's build is missing or older than its sources. */
function stale(pkg: string): boolean {
  const built = join(REPO, 'packages', pkg, 'dist', 'index.js');
  return !existsSync(built) || statSync(built).mtimeMs < newest(join(REPO, 'packages', pkg, 'src'));
}

beforeAll(() => {
  // The fixture runs on the built packages of this checkout, as a user's server would.
  if (stale('core') || stale('middleware')) {
    execFileSync('pnpm', ['turbo', 'run', 'build', '--filter=@mcpkit/middleware...'], {
      cwd: REPO,
      stdio: 'ignore',
    });
  }
}, 300_000);

/** The `mcpServers` entry the auth guide documents, as a launcher reads it. */
interface ServerEntry {
  command: string;
  args: string[];
  env: Record<string, string>;
}

function documentedEntry(): ServerEntry {
  const readme = readFileSync(join(REPO, 'docs', 'guide', 'auth.md'), 'utf8');
  const block = [...readme.matchAll(/```json\n([\s\S]*?)```/g)]
    .map((match) => match[1] as string)
    .find((text) => text.includes('"mcpServers"'));
  if (block === undefined)
    throw new Error('The auth guide (docs/guide/auth.md) has no mcpServers configuration.');
  const servers = (JSON.parse(block) as { mcpServers: Record<string, ServerEntry> }).mcpServers;
  return Object.values(servers)[0] as ServerEntry;
}

/** The documented entry pointed at the fixture, its env variables set to `values` (in order). */
function launchConfig(values: Array<string | undefined>): ServerEntry {
  const entry = documentedEntry();
  const names = Object.keys(entry.env);
  const env: Record<string, string> = {};
  names.forEach((name, i) => {
    const value = values[i];
    if (value !== undefined) env[name] = value;
  });
  // The guide's first argument is the path of the user's built server: here, the fixture.
  return { command: entry.command, args: [FIXTURE, ...entry.args.slice(1)], env };
}

let client: Client | undefined;
let transport: StdioClientTransport | undefined;
let stderr = '';

afterEach(async () => {
  await client?.close().catch(() => undefined);
  const pid = transport?.pid;
  if (pid) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone: close() reaped it.
    }
  }
  client = undefined;
  transport = undefined;
  stderr = '';
});

async function launch(config: ServerEntry, era: 'modern' | 'legacy'): Promise<Client> {
  transport = new StdioClientTransport({ ...config, stderr: 'pipe' });
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  client = new Client(
    { name: 'stdio-identity-test', version: '1.0.0' },
    era === 'modern' ? { versionNegotiation: { mode: { pin: MODERN } } } : {},
  );
  await client.connect(transport);
  return client;
}

/** A JSON-RPC error as the official client raised it. */
interface RaisedError {
  code: number;
  data?: { code?: string; details?: { reason?: string }; hint?: string };
}

async function listToolsError(c: Client): Promise<RaisedError> {
  return c.listTools().then(
    () => {
      throw new Error('tools/list was served');
    },
    (error: RaisedError) => error,
  );
}

/** Starts the same built server over HTTP and resolves to its URL and a way to stop it. */
async function startHttpTwin(): Promise<{ url: string; stop: () => void }> {
  const child: ChildProcess = spawn(process.execPath, [FIXTURE], {
    cwd: REPO,
    env: { ...process.env, LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the HTTP twin exited with ${code}`)));
    createInterface({ input: child.stdout as NonNullable<ChildProcess['stdout']> }).once('line', resolve);
  });
  return { url, stop: () => child.kill('SIGKILL') };
}

describe('the documented mcpServers entry', () => {
  it('launches the server with command, args and an env naming the key variable', () => {
    const entry = documentedEntry();
    expect(entry.command).toBe('node');
    expect(entry.args).toContain('--stdio');
    expect(Object.keys(entry.env)).toEqual(['MCP_API_KEY']);
  });
});

describe.each(['modern', 'legacy'] as const)('stdio identity from the launch environment (%s era)', (era) => {
  it('answers tools/list and calls as the key owner when launched with the right key', async () => {
    const c = await launch(launchConfig([KEY]), era);
    const { tools } = await c.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(['whoami']);
    const result = await c.callTool({ name: 'whoami', arguments: {} });
    expect(result.isError).not.toBe(true);
    expect(result.content).toEqual([{ type: 'text', text: 'claude-desktop [invoices:read]' }]);
  });

  it('refuses a wrong key with UNAUTHORIZED and the JSON-RPC code HTTP gives, never -32603', async () => {
    const twin = await startHttpTwin();
    let http: RpcBody;
    try {
      const response = await postModern(twin.url, 'tools/list', {}, { 'x-api-key': WRONG_KEY });
      expect(response.status).toBe(401);
      http = (await response.json()) as RpcBody;
    } finally {
      twin.stop();
    }
    const c = await launch(launchConfig([WRONG_KEY]), era);
    const error = await listToolsError(c);
    expect(error.code).not.toBe(-32603);
    expect(error.code).toBe(http.error?.code);
    expect(error.data?.code).toBe('UNAUTHORIZED');
    expect(error.data?.code).toBe(http.error?.data?.code);
    expect(error.data?.details).toEqual({ reason: 'unknown_key' });
    const call = await c.callTool({ name: 'whoami', arguments: {} });
    expect(call.isError).toBe(true);
    expect(call.structuredContent).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
    // Neither key reaches the server's log.
    expect(stderr).not.toContain(WRONG_KEY);
    expect(stderr).not.toContain(KEY);
  });

  it('refuses a launch without the key variable with UNAUTHORIZED and a hint naming it', async () => {
    const c = await launch(launchConfig([undefined]), era);
    const error = await listToolsError(c);
    expect(error.code).toBe(-32600);
    expect(error.data).toMatchObject({ code: 'UNAUTHORIZED', details: { reason: 'missing' } });
    expect(error.data?.hint).toContain('MCP_API_KEY');
  });
});
