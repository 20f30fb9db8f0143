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
  // The client package, over HTTP (era negotiated) and in process.
  const viaClient = await createClient(http.url, { headers });
  const sum = resultText(await viaClient.tools.add({ a: 1, b: 2 }));
  await viaClient.close();
  if (sum !== '3' || viaClient.era !== 'modern') throw new Error('client package: ' + sum + ' ' + viaClient.era);
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
    redis: 'createRedisTaskStore',
    client: 'createClient',
  };
  runConsumers(
    project,
    program,
    names,
    {
      esm: "import * as z from 'zod';",
      cjs: "const z = require('zod');",
    },
    'imported the packed packages and served both eras, in process and over HTTP',
  );
  if (tarballs.core && tarballs.middleware) checkOptionalPeers();
  console.log(
    `\ncheck:packages: ${packages.length} packages passed publint, attw, and ESM + CJS consumer tests`,
  );
} finally {
  rmSync(packDir, { recursive: true, force: true });
}

/**
 * Writes the consumer program twice into `project` — as ESM (esm.mjs) and as CommonJS (cjs.cjs),
 * importing `names` from the packed packages plus the `extra` lines of each style — runs both,
 * and expects each to print "ok".
 */
function runConsumers(project, program, names, extra, verdict) {
  for (const [file, style] of [
    ['esm.mjs', 'esm'],
    ['cjs.cjs', 'cjs'],
  ]) {
    const imports = [
      ...Object.entries(names).map(([pkg, list]) =>
        style === 'esm'
          ? `import { ${list} } from '@mcpkit/${pkg}';`
          : `const { ${list} } = require('@mcpkit/${pkg}');`,
      ),
      extra[style],
    ].join('\n');
    writeFileSync(join(project, file), program(imports));
    const out = execFileSync(process.execPath, [file], {
      cwd: project,
      encoding: 'utf8',
      env: { ...process.env, LOG_LEVEL: 'silent' },
    });
    if (out.trim() !== 'ok') throw new Error(`${file} printed ${out}`);
    console.log(`${file}: ${verdict}`);
  }
}

/**
 * Optional peers stay optional: an app with core and middleware but neither @opentelemetry/api nor
 * ioredis installed loads the middleware package (ESM and CJS), runs the production preset (which
 * leaves tracing out), and gets a coded error naming the install command only when it calls
 * tracing(); the internal entry loads beside the main one and shares its classes.
 */
function checkOptionalPeers() {
  const project = join(packDir, 'no-optional-peers');
  mkdirSync(project);
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify(
      {
        name: 'mcpkit-no-optional-peers',
        private: true,
        dependencies: {
          '@mcpkit/core': `file:${tarballs.core}`,
          '@mcpkit/middleware': `file:${tarballs.middleware}`,
          zod: PEERS.zod,
        },
      },
      null,
      2,
    ),
  );
  console.log('\n== installing core and middleware without their optional peers');
  // Nested: each package sees only its own dependencies, as under pnpm. (prom-client depends on
  // @opentelemetry/api; hoisted, its copy would be found from the middleware package too.)
  run(
    'npm',
    ['install', '--install-strategy=nested', '--no-audit', '--no-fund', '--loglevel=error'],
    project,
  );
  const program = (load) => `
${load}
async function main() {
  const fromMiddleware = createRequire(require.resolve('@mcpkit/middleware'));
  for (const peer of ['@opentelemetry/api', 'ioredis']) {
    let found = true;
    try { fromMiddleware.resolve(peer); } catch { found = false; }
    if (found) throw new Error(peer + ' resolves from @mcpkit/middleware: this check needs a project without it');
  }
  const server = createServer({ name: 'no-peers', version: '1.0.0', logger: silentLogger })
    .use(production({ logging: false }))
    .tool('echo', { description: 'Echo', input: z.object({ text: z.string() }), handler: ({ text }) => text })
    .build();
  // A legacy exchange over the internal entry's StreamConnection, through the production preset.
  const waiting = new Map();
  const connection = new StreamConnection(server, (message) => waiting.get(message.id)?.(message));
  const call = (id, method, params) =>
    new Promise((resolve) => {
      waiting.set(id, resolve);
      connection.receive({ jsonrpc: '2.0', id, method, params });
    });
  await call(1, 'initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'c', version: '1' } });
  connection.receive({ jsonrpc: '2.0', method: 'notifications/initialized' });
  const echoed = await call(2, 'tools/call', { name: 'echo', arguments: { text: 'hi' } });
  if (echoed.result?.content?.[0]?.text !== 'hi') throw new Error('unexpected answer ' + JSON.stringify(echoed));
  let error;
  try { tracing(); } catch (caught) { error = caught; }
  if (!isMcpkitError(error)) throw new Error('tracing() without @opentelemetry/api threw ' + error);
  if (error.code !== 'VALIDATION_FAILED' || !String(error.hint).includes('npm install @opentelemetry/api'))
    throw new Error('unexpected error: ' + error.code + ' ' + error.hint);
  console.log('ok');
}
main().catch((error) => { console.error(error); process.exit(1); });
`;
  const names = { core: 'createServer, isMcpkitError, silentLogger', middleware: 'production, tracing' };
  runConsumers(
    project,
    program,
    names,
    {
      esm: "import { StreamConnection } from '@mcpkit/core/internal';\nimport * as z from 'zod';\nimport { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);",
      cjs: "const { StreamConnection } = require('@mcpkit/core/internal');\nconst z = require('zod');\nconst { createRequire } = require('node:module');",
    },
    'middleware loaded without @opentelemetry/api or ioredis; tracing() threw VALIDATION_FAILED naming the install',
  );
}
