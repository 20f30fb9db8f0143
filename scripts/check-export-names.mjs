#!/usr/bin/env node
// Fails when one export name means two things: over the BUILT main entries of the packages
// (packages/*/dist, the ESM `import` condition of `exports["."]`), a name exported by two packages
// must be the same runtime value and resolve to the same type declaration. A name re-exported
// unchanged from another package (core's `McpkitError` from a sibling) is the same value and the
// same symbol, so it passes; two different functions both called `memoryStore` do not.
// Usage: node scripts/check-export-names.mjs [DIR]   (default: this repo; run `pnpm build` first)
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const root = resolve(process.argv[2] ?? fileURLToPath(new URL('..', import.meta.url)));

/** The ESM entry (`import.default`) and its types (`import.types`) of a package's `exports["."]`. */
function entriesOf(manifest) {
  const dot = manifest.exports?.['.'];
  const esm = typeof dot === 'object' && dot !== null ? (dot.import ?? dot) : undefined;
  const js = typeof esm === 'string' ? esm : (esm?.default ?? manifest.module);
  const types = typeof esm === 'object' && esm !== null ? esm.types : manifest.types;
  return { js, types };
}

const packages = [];
for (const dir of readdirSync(join(root, 'packages')).sort()) {
  const file = join(root, 'packages', dir, 'package.json');
  if (!existsSync(file)) continue;
  const manifest = JSON.parse(readFileSync(file, 'utf8'));
  if (manifest.private) continue;
  const { js, types } = entriesOf(manifest);
  const base = join(root, 'packages', dir);
  const jsPath = js ? join(base, js) : undefined;
  const typesPath = types ? join(base, types) : undefined;
  if (!jsPath || !existsSync(jsPath)) {
    console.error(
      `check:exports: ${manifest.name}: no built ESM entry (${js ?? 'exports["."].import missing'}); run pnpm build first.`,
    );
    process.exit(2);
  }
  packages.push({
    name: manifest.name,
    jsPath,
    typesPath: typesPath && existsSync(typesPath) ? typesPath : undefined,
  });
}

// Runtime values: the same name must be the identical value wherever it is exported.
const values = new Map(); // name -> [{ pkg, value }]
for (const pkg of packages) {
  const module = await import(pathToFileURL(pkg.jsPath).href);
  for (const [name, value] of Object.entries(module)) {
    if (!values.has(name)) values.set(name, []);
    values.get(name).push({ pkg: pkg.name, value });
  }
}

// Types: every exported name (types included) resolves, through re-exports, to one declaration.
const typed = packages.filter((p) => p.typesPath);
const program = ts.createProgram(
  typed.map((p) => p.typesPath),
  {
    noEmit: true,
    skipLibCheck: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    types: [],
  },
);
const checker = program.getTypeChecker();
const symbols = new Map(); // name -> [{ pkg, symbol }]
for (const pkg of typed) {
  const source = program.getSourceFile(pkg.typesPath);
  const moduleSymbol = source && checker.getSymbolAtLocation(source);
  if (!moduleSymbol) continue;
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    if (!symbols.has(exported.name)) symbols.set(exported.name, []);
    symbols.get(exported.name).push({ pkg: pkg.name, symbol: target });
  }
}

const where = (symbol) => {
  const declaration = symbol.declarations?.[0];
  if (!declaration) return 'unknown declaration';
  const file = declaration.getSourceFile();
  const { line } = file.getLineAndCharacterOfPosition(declaration.getStart());
  return `${relative(root, file.fileName)}:${line + 1}`;
};

const clashes = [];
let shared = 0;
const names = new Set([...values.keys(), ...symbols.keys()]);
for (const name of [...names].sort()) {
  const byValue = values.get(name) ?? [];
  const bySymbol = symbols.get(name) ?? [];
  const owners = new Set([...byValue.map((v) => v.pkg), ...bySymbol.map((s) => s.pkg)]);
  if (owners.size < 2) continue;
  shared++;
  const distinctValues = new Set(byValue.map((v) => v.value));
  const distinctSymbols = new Set(bySymbol.map((s) => s.symbol));
  if (distinctValues.size > 1) {
    clashes.push(`${name}: a different value in ${byValue.map((v) => v.pkg).join(', ')}`);
  } else if (distinctSymbols.size > 1) {
    clashes.push(
      `${name}: a different type in ${bySymbol.map((s) => `${s.pkg} (${where(s.symbol)})`).join(', ')}`,
    );
  }
}

const summary = `${packages.length} packages, ${names.size} export names, ${shared} exported by more than one package`;
if (clashes.length > 0) {
  console.error(`check:exports: ${summary}; ${clashes.length} name(s) mean different things:`);
  for (const clash of clashes) console.error(`  ${clash}`);
  console.error('Give each its own name (see "Naming" in CONTRIBUTING.md), or re-export the one value.');
  process.exit(1);
}
console.log(`check:exports: ${summary} (each the same value and type): OK`);
