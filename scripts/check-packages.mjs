#!/usr/bin/env node
// Checks that the published packages are importable as they will be installed:
// publint and Are-The-Types-Wrong on each packed tarball, then a throwaway project installs the
// tarballs and drives a server through the test client from both ESM (import) and CJS (require).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const packages = (process.env.CHECK_PACKAGES ?? 'core,testing').split(',');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, stdio: 'inherit', env: { ...process.env, npm_config_loglevel: 'error' } });

const packDir = mkdtempSync(join(tmpdir(), 'mcpkit-pack-'));
const tarballs = {};
try {
  for (const name of packages) {
    const dir = join(root, 'packages', name);
    console.log(`\n== @mcpkit/${name}`);
    // pnpm pack rewrites workspace: ranges into real versions, as publishing does.
    execFileSync('pnpm', ['pack', '--pack-destination', packDir], { cwd: dir, stdio: 'ignore' });
    const tarball = readdirSync(packDir).find((f) => f.startsWith(`mcpkit-${name}-`) && f.endsWith('.tgz'));
    if (!tarball) throw new Error(`pnpm pack produced no tarball for ${name}`);
    tarballs[name] = join(packDir, tarball);
    run(bin('publint'), ['run', tarballs[name], '--strict'], dir);
    run(bin('attw'), [tarballs[name]], dir);
  }

  const project = join(packDir, 'consumer');
  mkdirSync(project);
  const deps = Object.fromEntries(packages.map((name) => [`@mcpkit/${name}`, `file:${tarballs[name]}`]));
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify(
      { name: 'mcpkit-consumer', private: true, dependencies: { ...deps, zod: '^4.2.0' } },
      null,
      2,
    ),
  );
  console.log('\n== installing the tarballs into a fresh project');
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], project);

  const program = (load) => `
${load}
const server = createServer({ name: 'consumer', version: '1.0.0' })
  .tool('add', { description: 'Adds', input: z.object({ a: z.number(), b: z.number() }), handler: ({ a, b }) => String(a + b) });
async function main() {
  for (const era of ['modern', 'legacy']) {
    const client = await createTestClient(server, { era });
    const result = await client.callTool('add', { a: 2, b: 3 });
    if (resultText(result) !== '5' || client.era !== era) throw new Error('unexpected result ' + JSON.stringify(result));
    await client.close();
  }
  const http = await serveForTest(server);
  const remote = await connectTestClient(http.url, { era: 'modern' });
  const answer = resultText(await remote.callTool('add', { a: 20, b: 22 }));
  await remote.close();
  await http.close();
  if (answer !== '42') throw new Error('unexpected HTTP answer ' + answer);
  console.log('ok');
}
main().catch((error) => { console.error(error); process.exit(1); });
`;
  writeFileSync(
    join(project, 'esm.mjs'),
    program(
      "import { createServer } from '@mcpkit/core';\nimport { createTestClient, connectTestClient, serveForTest, resultText } from '@mcpkit/testing';\nimport * as z from 'zod';",
    ),
  );
  writeFileSync(
    join(project, 'cjs.cjs'),
    program(
      "const { createServer } = require('@mcpkit/core');\nconst { createTestClient, connectTestClient, serveForTest, resultText } = require('@mcpkit/testing');\nconst z = require('zod');",
    ),
  );
  for (const file of ['esm.mjs', 'cjs.cjs']) {
    const out = execFileSync(process.execPath, [file], {
      cwd: project,
      encoding: 'utf8',
      env: { ...process.env, LOG_LEVEL: 'silent' },
    });
    if (out.trim() !== 'ok') throw new Error(`${file} printed ${out}`);
    console.log(`${file}: imported the packed packages and served both eras`);
  }
  console.log(
    `\ncheck:packages: ${packages.length} packages passed publint, attw, and ESM + CJS consumer tests`,
  );
} finally {
  rmSync(packDir, { recursive: true, force: true });
}
