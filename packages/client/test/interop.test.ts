import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type ClientEra, type ClientTarget, createClient } from '@mcpkit/client';
import type { ToolSignature } from '@mcpkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The same test calls mcpkit's server and the official SDK v2 server, in both eras, over HTTP and stdio.
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const SERVERS = { mcpkit: fixture('mcpkit-server.mjs'), official: fixture('official-server.mjs') } as const;

type Invoices = {
  get_invoice: ToolSignature<{ id: string }, { id: string; total: number; server: string }>;
};

const children: ChildProcess[] = [];
const urls: Partial<Record<keyof typeof SERVERS, string>> = {};

async function startHttp(script: string): Promise<string> {
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const lines = createInterface({ input: child.stdout as NonNullable<typeof child.stdout> });
  for await (const line of lines) {
    const match = /^READY (\d+)$/.exec(line);
    if (match) return `http://127.0.0.1:${match[1]}/mcp`;
  }
  throw new Error(`${script} exited before it listened`);
}

beforeAll(async () => {
  // The mcpkit fixture runs the built core, as a user's server would.
  if (!existsSync(`${REPO}packages/core/dist/index.js`)) {
    execFileSync('pnpm', ['turbo', 'run', 'build', '--filter=@mcpkit/core'], { cwd: REPO, stdio: 'ignore' });
  }
  urls.mcpkit = await startHttp(SERVERS.mcpkit);
  urls.official = await startHttp(SERVERS.official);
}, 120_000);

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
});

const cases = (['mcpkit', 'official'] as const).flatMap((server) =>
  (['http', 'stdio'] as const).flatMap((transport) =>
    (['modern', 'legacy'] as const).map((era) => ({ server, transport, era })),
  ),
);

describe.each(cases)('$server server over $transport, $era era', ({ server, transport, era }) => {
  const target = (): ClientTarget =>
    transport === 'http'
      ? (urls[server] as string)
      : { command: process.execPath, args: [SERVERS[server], '--stdio'], stderr: 'ignore' };

  it.each([era, 'auto'] as ClientEra[])('calls the typed tool (era option %s)', async (option) => {
    const client = await createClient<Invoices>(target(), { era: option });
    try {
      // auto lands on modern: both servers speak 2026-07-28.
      expect(client.era).toBe(option === 'legacy' ? 'legacy' : 'modern');
      expect(client.protocolVersion).toBe(option === 'legacy' ? '2025-11-25' : '2026-07-28');
      const invoice = await client.tools.get_invoice({ id: 'inv_7' });
      expect(invoice).toEqual({ id: 'inv_7', total: 42.5, server });
      const names: string[] = [];
      for await (const tool of client.listAllTools()) names.push(tool.name);
      expect(names).toEqual(['get_invoice']);
    } finally {
      await client.close();
    }
  });
});
