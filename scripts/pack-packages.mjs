#!/usr/bin/env node
// Packs every published package into installable tarballs, so an app can use mcpkit from a clone
// before (or instead of) the npm registry. Names carry no version (`mcpkit-core.tgz`), so the
// install lines in the READMEs stay true from one release to the next.
// Usage: pnpm pack:packages [DIR]   (DIR defaults to packed/ in this checkout; build first)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = resolve(process.argv[2] ?? join(root, 'packed'));
const names = readdirSync(join(root, 'packages')).filter((name) => {
  const manifest = join(root, 'packages', name, 'package.json');
  return existsSync(manifest) && !JSON.parse(readFileSync(manifest, 'utf8')).private;
});

mkdirSync(out, { recursive: true });
for (const file of readdirSync(out)) if (/^mcpkit-.*\.tgz$/.test(file)) rmSync(join(out, file));

for (const name of names) {
  const dir = join(root, 'packages', name);
  if (!existsSync(join(dir, 'dist'))) {
    console.error(
      `packages/${name} is not built: run \`pnpm pack:packages\` (it builds first) or \`pnpm build\`.`,
    );
    process.exit(1);
  }
  // pnpm pack turns workspace: ranges into the real versions, exactly as publishing does.
  const before = new Set(readdirSync(out));
  execFileSync('pnpm', ['pack', '--pack-destination', out], { cwd: dir, stdio: 'ignore' });
  const made = readdirSync(out).find((file) => !before.has(file) && file.endsWith('.tgz'));
  if (!made) throw new Error(`pnpm pack wrote no tarball for packages/${name}`);
  renameSync(join(out, made), join(out, `mcpkit-${name}.tgz`));
}

const at = (name) => join(out, `mcpkit-${name}.tgz`);
console.log(`Packed ${names.length} packages into ${out}:`);
for (const name of names) console.log(`  @mcpkit/${name.padEnd(11)} ${at(name)}`);
console.log(`
In your app (every other package needs core beside it, as its peer dependency):
  npm install ${at('core')} zod
  npm install -D ${at('testing')}
  npm install ${['middleware', 'resilience', 'cache', 'redis', 'client']
    .filter((n) => names.includes(n))
    .map(at)
    .join(' ')}`);
