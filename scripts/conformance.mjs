#!/usr/bin/env node
// Runs the official MCP conformance suite (pinned in conformance/package.json) against the
// everything-server example, once per protocol era, and prints the summary lines.
// The suite's CLI needs Node >= 22: the npm package `node` pinned beside it supplies that binary,
// while the server under test runs on the Node that runs this script.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const runnerDir = join(root, 'conformance');
const outRoot = join(root, '.conformance');
const node22 = join(runnerDir, 'node_modules', 'node', 'bin', 'node');
const cli = join(runnerDir, 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js');
const serverEntry = join(root, 'examples', 'everything-server', 'dist', 'main.js');

const legs = [
  { name: '2025', args: ['--suite', 'all'], baseline: 'expected-failures.2025.yaml' },
  {
    name: '2026-07-28',
    args: ['--suite', 'all', '--spec-version', '2026-07-28'],
    baseline: 'expected-failures.2026.yaml',
  },
];

function ensureRunner() {
  const lock = readFileSync(join(runnerDir, 'package-lock.json'));
  const stamp = join(runnerDir, 'node_modules', '.mcpkit-lock-hash');
  const hash = createHash('sha256').update(lock).digest('hex');
  if (existsSync(cli) && existsSync(node22) && existsSync(stamp) && readFileSync(stamp, 'utf8') === hash)
    return;
  console.log('conformance: installing the pinned suite and Node 22 (npm ci in conformance/)');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['ci', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: runnerDir,
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error('npm ci in conformance/ failed');
  writeFileSync(stamp, hash);
}

async function startServer(port) {
  if (!existsSync(serverEntry)) throw new Error(`${serverEntry} is missing: build first (pnpm build)`);
  const child = spawn(process.execPath, [serverEntry], {
    env: { ...process.env, PORT: String(port), LOG_LEVEL: process.env.LOG_LEVEL ?? 'error' },
    stdio: ['ignore', 'ignore', openSync(join(outRoot, 'server.log'), 'w')],
  });
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`everything-server exited early with code ${child.exitCode}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.ok) return child;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error('everything-server did not become healthy within 15 s');
}

function runLeg(leg, url) {
  const out = join(outRoot, leg.name);
  rmSync(out, { recursive: true, force: true });
  const args = [
    cli,
    'server',
    '--url',
    url,
    ...leg.args,
    '-o',
    out,
    '--expected-failures',
    join(runnerDir, leg.baseline),
  ];
  const result = spawnSync(node22, args, {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 20 * 60_000,
  });
  writeFileSync(join(outRoot, `${leg.name}.log`), `${result.stdout ?? ''}\n${result.stderr ?? ''}`);
  return { status: result.status, out, log: `${result.stdout ?? ''}${result.stderr ?? ''}` };
}

function summarize(leg, run) {
  const baseline = readFileSync(join(runnerDir, leg.baseline), 'utf8')
    .split('\n')
    .map((line) => /^\s*-\s*([\w.-]+)/.exec(line)?.[1])
    .filter(Boolean);
  let passed = 0;
  let failed = 0;
  let expected = 0;
  let skippedOnly = 0;
  const checks = { SUCCESS: 0, FAILURE: 0, WARNING: 0, SKIPPED: 0, INFO: 0, BASELINED: 0 };
  const problems = [];
  for (const dir of existsSync(run.out) ? readdirSync(run.out) : []) {
    const file = join(run.out, dir, 'checks.json');
    if (!existsSync(file)) continue;
    const scenario = dir.replace(/^server-/, '').replace(/-\d{4}-\d{2}-\d{2}T.*$/, '');
    const list = JSON.parse(readFileSync(file, 'utf8'));
    const inBaseline = baseline.includes(scenario);
    for (const check of list) {
      const key = inBaseline && check.status === 'FAILURE' ? 'BASELINED' : check.status;
      checks[key] = (checks[key] ?? 0) + 1;
    }
    const bad = list.filter((c) => c.status === 'FAILURE' || c.status === 'WARNING');
    if (bad.length === 0) {
      // The suite's own tally: a scenario whose every check was skipped did not pass, it was not run.
      if (list.every((c) => c.status === 'SKIPPED')) skippedOnly++;
      else passed++;
    } else if (inBaseline) {
      expected++;
    } else {
      failed++;
      for (const c of bad)
        problems.push(`  ${scenario}: ${c.status} ${c.id} ${c.errorMessage ?? ''}`.trimEnd());
    }
  }
  console.log(
    `conformance ${leg.name} leg: ${passed} passed` +
      (skippedOnly ? ` (+${skippedOnly} skipped-only)` : '') +
      `, ${failed} failed` +
      (expected ? `, ${expected} expected failures (in the baseline)` : '') +
      ` — checks: ${checks.SUCCESS} succeeded, ${checks.FAILURE} failed, ${checks.WARNING} warnings` +
      (checks.BASELINED ? `, ${checks.BASELINED} failed inside the baseline` : ''),
  );
  for (const line of problems) console.log(line);
  return failed === 0 && run.status === 0;
}

ensureRunner();
rmSync(outRoot, { recursive: true, force: true });
mkdirSync(outRoot, { recursive: true });
const port = await freePort();
const server = await startServer(port);
const url = `http://127.0.0.1:${port}/mcp`;
let ok = true;
try {
  for (const leg of legs) {
    const run = runLeg(leg, url);
    const total = /Total:.*$/m.exec(run.log)?.[0];
    if (total) console.log(`suite ${leg.name} leg ${total}`);
    const legOk = summarize(leg, run);
    if (!legOk) {
      ok = false;
      console.log(
        `conformance ${leg.name} leg FAILED (CLI exit ${run.status}); full log in .conformance/${leg.name}.log`,
      );
    }
  }
} finally {
  server.kill('SIGTERM');
}
process.exit(ok ? 0 : 1);
