#!/usr/bin/env node
// Checks that the published packages are importable as they will be installed:
// publint and Are-The-Types-Wrong on each packed tarball, then a throwaway project installs the
// tarballs (and the peer dependencies a user adds) and drives a server that uses every package
// through the test client, from both ESM (import) and CJS (require).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const packages = process.env.CHECK_PACKAGES
  ? process.env.CHECK_PACKAGES.split(',')
  : readdirSync(join(root, 'packages')).filter((name) =>
      existsSync(join(root, 'packages', name, 'src', 'index.ts')),
    );
/** What the consumer program needs besides the packages: zod and the peers a user installs. */
const PEERS = { zod: '^4.2.0', ioredis: '^6.0.0', '@opentelemetry/api': '~1.9.0' };
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
    JSON.stringify({ name: 'mcpkit-consumer', private: true, dependencies: { ...deps, ...PEERS } }, null, 2),
  );
  console.log('\n== installing the tarballs into a fresh project');
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], project);

  // One server built from every package's entry point: an upstream-backed tool (resilience,
  // against the testing package's mock upstream), a cached tool (cache), and API-key auth plus the
  // rest of the production preset (middleware), driven in both eras in process and over HTTP.
  const program = (load) => `
${load}
async function main() {
  const mock = await mockUpstream();
  mock.route('GET', '/rates/*', [503, { body: { rate: 1.25 } }]);
  const rates = createUpstream('rates', { baseUrl: mock.url, retry: { baseDelayMs: 1 } });
  let computed = 0;
  const appCache = createCache();
  const stack = production({
    logging: false,
    auth: apiKey({ keys: [{ hash: hashApiKey('k-consumer'), subject: 'consumer', scopes: [] }] }),
  });
  const server = createServer({ name: 'consumer', version: '1.0.0', logger: silentLogger })
    .use(rates, appCache, stack)
    .tool('add', { description: 'Adds', input: z.object({ a: z.number(), b: z.number() }), handler: ({ a, b }) => String(a + b) })
    .tool('square', {
      description: 'Squares (cached)',
      input: z.object({ n: z.number() }),
      use: [cache({ ttl: 60000 })],
      handler: ({ n }) => { computed++; return String(n * n); },
    })
    .tool('rate', {
      description: 'Reads a rate upstream',
      input: z.object({ pair: z.string() }),
      handler: async ({ pair }, ctx) => String((await rates.get('/rates/' + pair, { ctx })).rate),
    });
  const headers = { 'x-api-key': 'k-consumer' };
  for (const era of ['modern', 'legacy']) {
    const client = await createTestClient(server, { era, headers });
    const result = await client.callTool('add', { a: 2, b: 3 });
    if (resultText(result) !== '5' || client.era !== era) throw new Error('unexpected result ' + JSON.stringify(result));
    for (let i = 0; i < 2; i++) {
      if (resultText(await client.callTool('square', { n: 7 })) !== '49') throw new Error('cache answer');
    }
    await client.close();
  }
  if (computed !== 1) throw new Error('the cached tool ran ' + computed + ' times');
  const http = await serveForTest(server);
  const remote = await connectTestClient(http.url, { era: 'modern', headers });
  const answer = resultText(await remote.callTool('add', { a: 20, b: 22 }));
  const rate = resultText(await remote.callTool('rate', { pair: 'EURUSD' }));
  await remote.close();
  const refused = await fetch(http.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }) });
  await http.close();
  await mock.close();
  if (answer !== '42') throw new Error('unexpected HTTP answer ' + answer);
  if (rate !== '1.25' || mock.requests.length !== 2) throw new Error('upstream retry: ' + rate + ', ' + mock.requests.length + ' requests');
  if (refused.status !== 401) throw new Error('unauthenticated request got ' + refused.status);
  console.log('ok');
}
main().catch((error) => { console.error(error); process.exit(1); });
`;
  const names = {
    core: 'createServer, silentLogger',
    testing: 'createTestClient, connectTestClient, serveForTest, resultText, mockUpstream',
    resilience: 'createUpstream',
    cache: 'cache, createCache',
    middleware: 'apiKey, hashApiKey, production',
  };
  const imports = (style) =>
    [
      ...Object.entries(names).map(([pkg, list]) =>
        style === 'esm'
          ? `import { ${list} } from '@mcpkit/${pkg}';`
          : `const { ${list} } = require('@mcpkit/${pkg}');`,
      ),
      style === 'esm' ? "import * as z from 'zod';" : "const z = require('zod');",
    ].join('\n');
  writeFileSync(join(project, 'esm.mjs'), program(imports('esm')));
  writeFileSync(join(project, 'cjs.cjs'), program(imports('cjs')));
  for (const file of ['esm.mjs', 'cjs.cjs']) {
    const out = execFileSync(process.execPath, [file], {
      cwd: project,
      encoding: 'utf8',
      env: { ...process.env, LOG_LEVEL: 'silent' },
    });
    if (out.trim() !== 'ok') throw new Error(`${file} printed ${out}`);
    console.log(`${file}: imported the packed packages and served both eras, in process and over HTTP`);
  }
  console.log(
    `\ncheck:packages: ${packages.length} packages passed publint, attw, and ESM + CJS consumer tests`,
  );
} finally {
  rmSync(packDir, { recursive: true, force: true });
}
