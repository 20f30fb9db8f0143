#!/usr/bin/env node
// Type-checks the TypeScript examples of the READMEs and of the documentation site so the docs
// cannot rot. Every ```ts block of README.md, packages/*/README.md, examples/*/README.md and
// docs/**/*.md (not the generated docs/api, nor docs/.vitepress or node_modules) becomes a module
// in .tmp/snippets/, compiled against the workspace sources (not dist) with the shared compiler
// options. A block whose first line is `// not-compiled` is skipped. Errors are reported at the
// README line they come from.
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, '.tmp', 'snippets');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const SKIP_MARKER = '// not-compiled';
const LANGUAGES = new Set(['ts', 'typescript']);

/** Workspace-relative paths of the Markdown files to check: the READMEs (root first), then docs/. */
function findReadmes() {
  const found = [];
  if (existsSync(join(root, 'README.md'))) found.push('README.md');
  for (const group of ['packages', 'examples']) {
    const dir = join(root, group);
    if (!existsSync(dir)) continue;
    const entries = readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    for (const name of entries) {
      if (existsSync(join(dir, name, 'README.md'))) found.push(`${group}/${name}/README.md`);
    }
  }
  for (const page of findDocPages(join(root, 'docs'))) found.push(page);
  return found;
}

/** Folders of docs/ that hold no hand-written page: generated, built or installed. */
const DOCS_EXCLUDED = new Set(['api', 'node_modules', '.vitepress']);

/** Workspace-relative paths of the Markdown pages under docs/, sorted. */
function findDocPages(dir) {
  if (!existsSync(dir)) return [];
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (dirname(path) === join(root, 'docs') && DOCS_EXCLUDED.has(entry.name)) continue;
      if (entry.name === 'node_modules') continue;
      found.push(...findDocPages(path));
    } else if (entry.name.endsWith('.md')) {
      found.push(toPosix(relative(root, path)));
    }
  }
  return found.sort();
}

/**
 * The fenced TypeScript blocks of a Markdown text: their 1-based index among the TypeScript blocks,
 * the README line of their first code line, and their code (fence indentation removed).
 */
function extractBlocks(markdown) {
  const lines = markdown.split(/\r?\n/);
  const blocks = [];
  let open;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!open) {
      const fence = /^( {0,3})(`{3,}|~{3,})\s*([^\s`]*)/.exec(line);
      if (fence) {
        open = {
          indent: fence[1].length,
          fence: fence[2],
          lang: fence[3].toLowerCase(),
          start: i + 2,
          code: [],
        };
      }
      continue;
    }
    const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(line);
    if (close && close[1][0] === open.fence[0] && close[1].length >= open.fence.length) {
      if (LANGUAGES.has(open.lang)) {
        blocks.push({ index: blocks.length + 1, start: open.start, code: open.code });
      }
      open = undefined;
      continue;
    }
    const strip = Math.min(open.indent, line.length - line.trimStart().length);
    open.code.push(line.slice(strip));
  }
  return blocks;
}

/**
 * `packages/core/README.md` → `packages-core`; the root README → `root`; a docs page
 * `docs/guide/caching.md` → `docs-guide-caching`.
 */
function snippetPrefix(readme) {
  if (!readme.endsWith('README.md')) return readme.replace(/\.md$/, '').split(/[\\/]/).join('-');
  const dir = dirname(readme);
  return dir === '.' ? 'root' : dir.split(/[\\/]/).join('-');
}

/** The workspace packages under `packages/`, by directory name. */
const workspacePackages = readdirSync(join(root, 'packages')).filter((name) =>
  existsSync(join(root, 'packages', name, 'src', 'index.ts')),
);

/** The subpath entries of a workspace package (`internal`, `vitest`, …) that have a source file of that name. */
function subpathEntries(name) {
  const manifest = JSON.parse(readFileSync(join(root, 'packages', name, 'package.json'), 'utf8'));
  return Object.keys(manifest.exports ?? {})
    .filter((subpath) => subpath !== '.' && subpath !== './package.json')
    .map((subpath) => subpath.slice(2))
    .filter((entry) => existsSync(join(root, 'packages', name, 'src', `${entry}.ts`)));
}

/** `paths` entries that point every `@mcpkit/*` import (and `@mcpkit/<pkg>/<subpath>`) at its sources. */
function workspacePaths() {
  return Object.fromEntries(
    workspacePackages.flatMap((name) => [
      [`@mcpkit/${name}`, [`../../packages/${name}/src/index.ts`]],
      ...subpathEntries(name).map((entry) => [
        `@mcpkit/${name}/${entry}`,
        [`../../packages/${name}/src/${entry}.ts`],
      ]),
    ]),
  );
}

/**
 * `paths` entries for the libraries a user installs beside mcpkit (zod, ioredis, …), resolved as
 * the packages resolve them: every dependency of a workspace package that ships its own types.
 */
function dependencyPaths() {
  const paths = {};
  for (const pkg of workspacePackages) {
    const manifest = JSON.parse(readFileSync(join(root, 'packages', pkg, 'package.json'), 'utf8'));
    const names = Object.keys({
      ...manifest.dependencies,
      ...manifest.devDependencies,
      ...manifest.peerDependencies,
    });
    for (const name of names) {
      if (name.startsWith('@mcpkit/') || paths[name]) continue;
      const linked = join(root, 'packages', pkg, 'node_modules', name);
      if (!existsSync(linked)) continue;
      const dir = realpathSync(linked);
      const dep = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      // `paths` cannot see package exports: point at the declaration file an ESM import resolves to.
      const main = typeof dep.exports === 'object' ? (dep.exports['.'] ?? dep.exports) : undefined;
      const types = main?.types ?? main?.import?.types ?? main?.default?.types ?? dep.types ?? dep.typings;
      if (typeof types === 'string') paths[name] = [toPosix(relative(outDir, join(dir, types)))];
    }
  }
  return paths;
}

function toPosix(path) {
  return path.split(sep).join('/');
}

const readmes = findReadmes();
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });

/** Snippet file name → where it came from. */
const origins = new Map();
const readmesWithSnippets = new Set();
let skipped = 0;
for (const readme of readmes) {
  const prefix = snippetPrefix(readme);
  for (const block of extractBlocks(readFileSync(join(root, readme), 'utf8'))) {
    if ((block.code[0] ?? '').trim().startsWith(SKIP_MARKER)) {
      skipped++;
      continue;
    }
    const file = `${prefix}-${block.index}.ts`;
    // The trailing `export {}` keeps a snippet without imports a module (own scope, top-level await).
    writeFileSync(join(outDir, file), `${block.code.join('\n')}\nexport {};\n`);
    origins.set(file, { readme, block: block.index, start: block.start });
    readmesWithSnippets.add(readme);
  }
}

const skippedNote = skipped > 0 ? `, ${skipped} marked ${SKIP_MARKER}` : '';
if (origins.size === 0) {
  console.log(`check-snippets: no TypeScript snippets found in ${readmes.length} README(s)${skippedNote}`);
  process.exit(0);
}

const tsconfig = {
  extends: '../../tsconfig.base.json',
  compilerOptions: {
    noEmit: true,
    skipLibCheck: true,
    types: ['node'],
    paths: {
      ...workspacePaths(),
      ...dependencyPaths(),
    },
  },
  include: [...origins.keys()],
};
writeFileSync(join(outDir, 'tsconfig.json'), `${JSON.stringify(tsconfig, null, 2)}\n`);

const run = spawnSync(process.execPath, [tsc, '-p', join(outDir, 'tsconfig.json'), '--pretty', 'false'], {
  cwd: root,
  encoding: 'utf8',
});
if (run.error) {
  console.error(`check-snippets: could not run TypeScript (${tsc}): ${run.error.message}`);
  process.exit(1);
}

const summary = `${origins.size} TypeScript snippet${origins.size === 1 ? '' : 's'} from ${readmesWithSnippets.size} Markdown file${readmesWithSnippets.size === 1 ? '' : 's'}${skippedNote}`;
if (run.status === 0) {
  console.log(`check-snippets: ${summary} type-check`);
  process.exit(0);
}

// Rewrites `.tmp/snippets/<file>.ts(line,col): error …` to the Markdown line the error comes from.
const failedBlocks = new Set();
let errors = 0;
for (const line of `${run.stdout}${run.stderr}`.split('\n')) {
  const match = /^(.*?)\((\d+),(\d+)\): (error|warning) (TS\d+: .*)$/.exec(line);
  if (!match) {
    if (line.trim() !== '') console.error(line);
    continue;
  }
  const [, file, row, col, , message] = match;
  errors++;
  const snippet = toPosix(relative(outDir, resolve(root, file)));
  const origin = origins.get(snippet);
  if (!origin) {
    console.error(`${file}:${row}:${col}: ${message}`);
    continue;
  }
  failedBlocks.add(`${origin.readme}#${origin.block}`);
  const readmeLine = origin.start + Number(row) - 1;
  console.error(
    `${origin.readme}:${readmeLine}:${col} (ts block ${origin.block}, .tmp/snippets/${snippet}:${row}): ${message}`,
  );
}
console.error(
  `\ncheck-snippets: ${errors} error${errors === 1 ? '' : 's'}, ${failedBlocks.size} block${failedBlocks.size === 1 ? '' : 's'} failing (checked ${summary})`,
);
process.exit(1);
