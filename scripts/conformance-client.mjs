#!/usr/bin/env node
// Runs the official MCP conformance suite's CLIENT scenarios (the version pinned in
// conformance/package.json) against examples/conformance-client, a client built on
// @mcpkit/client: once per requirement set (2025-11-25 and 2026-07-28), each with its baseline of
// expected failures (extension scenarios only). Exit code 1 on any regression.
// The suite's CLI needs Node >= 22: the npm package `node` pinned beside it supplies that binary;
// the client under test runs on the Node that runs this script.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const runnerDir = join(root, 'conformance');
const outRoot = join(root, '.conformance', 'client');
const node22 = join(runnerDir, 'node_modules', 'node', 'bin', 'node');
const cli = join(runnerDir, 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js');
const clientEntry = join(root, 'examples', 'conformance-client', 'dist', 'main.js');

const legs = [
  { name: '2025-11-25', baseline: 'expected-failures.client.2025.yaml' },
  { name: '2026-07-28', baseline: 'expected-failures.client.2026.yaml' },
];

function ensureRunner() {
  if (existsSync(cli) && existsSync(node22)) return;
  console.log('conformance:client: installing the pinned suite and Node 22 (npm ci in conformance/)');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['ci', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: runnerDir,
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error('npm ci in conformance/ failed');
}

/** Every checks.json under `dir` with the scenario it belongs to (auth scenarios nest one level). */
function results(dir) {
  const found = [];
  const walk = (at) => {
    for (const name of existsSync(at) ? readdirSync(at) : []) {
      const path = join(at, name);
      if (!statSync(path).isDirectory()) continue;
      const checks = join(path, 'checks.json');
      if (existsSync(checks)) {
        const scenario = relative(dir, path).replace(/-\d{4}-\d{2}-\d{2}T.*$/, '');
        found.push({ scenario, checks: JSON.parse(readFileSync(checks, 'utf8')) });
      } else walk(path);
    }
  };
  walk(dir);
  return found;
}

function runLeg(leg) {
  const out = join(outRoot, leg.name);
  rmSync(out, { recursive: true, force: true });
  const result = spawnSync(
    node22,
    [
      cli,
      'client',
      '--command',
      `"${process.execPath}" "${clientEntry}"`,
      '--requirements',
      leg.name,
      '-o',
      out,
      '--expected-failures',
      join(runnerDir, leg.baseline),
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 20 * 60_000 },
  );
  const log = `${result.stdout ?? ''}\n${result.stderr ?? ''}`;
  writeFileSync(join(outRoot, `${leg.name}.log`), log);
  const baseline = readFileSync(join(runnerDir, leg.baseline), 'utf8')
    .split('\n')
    .map((line) => /^\s*-\s*([\w./-]+)/.exec(line)?.[1])
    .filter(Boolean);
  let passed = 0;
  let expected = 0;
  const problems = [];
  for (const { scenario, checks } of results(out)) {
    const bad = checks.filter((c) => c.status === 'FAILURE' || c.status === 'WARNING');
    if (bad.length === 0) passed++;
    else if (baseline.includes(scenario)) expected++;
    else
      for (const c of bad)
        problems.push(`  ${scenario}: ${c.status} ${c.id} ${c.errorMessage ?? ''}`.trimEnd());
  }
  const failed = new Set(problems.map((line) => line.trim().split(':')[0])).size;
  console.log(
    `conformance client ${leg.name}: ${passed} scenarios passed, ${failed} failed` +
      (expected ? `, ${expected} expected failures (extensions, in the baseline)` : '') +
      ` — suite ${/Total:.*$/m.exec(log)?.[0] ?? 'printed no total'}`,
  );
  for (const line of problems) console.log(line);
  if (result.status !== 0)
    console.log(`  CLI exit ${result.status}; full log in .conformance/client/${leg.name}.log`);
  return failed === 0 && result.status === 0;
}

if (!existsSync(clientEntry)) {
  console.error(`${relative(root, clientEntry)} is missing: build first (pnpm build)`);
  process.exit(1);
}
ensureRunner();
mkdirSync(outRoot, { recursive: true });
let ok = true;
for (const leg of legs) ok = runLeg(leg) && ok;
process.exit(ok ? 0 : 1);
