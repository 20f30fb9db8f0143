#!/usr/bin/env node
// Refuses to publish a package whose package.json does not say where it comes from: a registry
// page without `repository`, `homepage` and `bugs` leaves users no way to the source, the docs or
// the issue tracker. The repository has no public URL yet, so these are absent today on purpose
// (an invented URL would send users to someone else's project); `pnpm release` stops here until a
// maintainer adds them. Usage: node scripts/check-publish-metadata.mjs [DIR]   (default: this repo)
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(process.argv[2] ?? fileURLToPath(new URL('..', import.meta.url)));
const problems = [];
for (const name of readdirSync(join(root, 'packages'))) {
  const file = join(root, 'packages', name, 'package.json');
  if (!existsSync(file)) continue;
  const manifest = JSON.parse(readFileSync(file, 'utf8'));
  if (manifest.private) continue;
  const repository = manifest.repository;
  if (typeof repository?.url !== 'string' || repository.directory !== `packages/${name}`) {
    problems.push(
      `packages/${name}/package.json: "repository" needs { "type": "git", "url": "git+https://…", "directory": "packages/${name}" }`,
    );
  }
  if (typeof manifest.homepage !== 'string')
    problems.push(`packages/${name}/package.json: "homepage" is missing`);
  if (typeof (manifest.bugs?.url ?? manifest.bugs) !== 'string') {
    problems.push(`packages/${name}/package.json: "bugs" is missing`);
  }
}
if (problems.length > 0) {
  console.error(
    'Not publishing: the registry page of each package must link its source, docs and issue tracker.\n' +
      problems.map((p) => `- ${p}`).join('\n') +
      '\nSee "Releasing" in CONTRIBUTING.md.',
  );
  process.exit(1);
}
console.log('publish metadata: repository, homepage and bugs are set on every published package');
