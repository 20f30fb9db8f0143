#!/usr/bin/env node
import { spawnSync } from 'node:child_process';
// Writes or checks the API report of every published entry point of every public package, with
// API Extractor over the declarations in each package's dist/ (so build first).
//   node scripts/api-report.mjs --local   regenerate packages/<pkg>/api/*.api.md (pnpm api:update)
//   node scripts/api-report.mjs           fail when a report differs from the build (pnpm api:check)
// The shared settings are in ../api-extractor.base.json; this script only says, per entry, which
// declaration file to read and which report to write. See CONTRIBUTING.md, "Public API".
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Extractor, ExtractorConfig, ExtractorLogLevel } from '@microsoft/api-extractor';
import ts from 'typescript';

const root = fileURLToPath(new URL('..', import.meta.url));
const local = process.argv.includes('--local');
const base = ExtractorConfig.loadFile(join(root, 'api-extractor.base.json'));

/** Public packages: those with a src/index.ts and a package.json that is not private. */
const packages = readdirSync(join(root, 'packages')).filter((name) => {
  const dir = join(root, 'packages', name);
  if (!existsSync(join(dir, 'src', 'index.ts'))) return false;
  return !JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).private;
});

/** Each entry of a package's "exports" map but ./package.json: `.` → index, `./internal` → internal. */
function entriesOf(dir) {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  return Object.entries(manifest.exports ?? { '.': {} })
    .filter(([subpath]) => subpath !== './package.json')
    .map(([subpath, target]) => {
      const types = target?.import?.types;
      if (typeof types !== 'string') throw new Error(`${dir}: exports["${subpath}"].import.types is missing`);
      return {
        subpath,
        declarations: join(dir, types),
        suffix: subpath === '.' ? '' : `-${subpath.slice(2)}`,
      };
    });
}

/** The names a declaration file exports (types and values), read with the TypeScript checker. */
function exportedNames(declarations) {
  const program = ts.createProgram([declarations], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const symbol = checker.getSymbolAtLocation(program.getSourceFile(declarations));
  return new Set(symbol ? checker.getExportsOfModule(symbol).map((s) => s.name) : []);
}

const changed = [];
const failed = [];
for (const name of packages) {
  const dir = join(root, 'packages', name);
  const entries = entriesOf(dir);
  // A secondary entry (./internal) may name types of the package's main entry in its signatures:
  // those are exported, only from the other entry, and reviewed in the main report. Its report
  // must not call them forgotten; any other forgotten export fails like everywhere else.
  const main = entries.find((entry) => entry.subpath === '.');
  const mainNames = main && existsSync(main.declarations) ? exportedNames(main.declarations) : new Set();
  for (const entry of entries) {
    const label = `@mcpkit/${name}${entry.subpath === '.' ? '' : entry.subpath.slice(1)}`;
    if (!existsSync(entry.declarations)) {
      console.error(`${label}: ${relative(root, entry.declarations)} is missing; run \`pnpm build\` first.`);
      process.exit(1);
    }
    const secondary = entry.subpath !== '.';
    const messages = structuredClone(base.messages);
    if (secondary)
      messages.extractorMessageReporting['ae-forgotten-export'] = {
        logLevel: 'warning',
        addToApiReportFile: false,
      };
    const config = ExtractorConfig.prepare({
      configObject: {
        ...base,
        messages,
        projectFolder: dir,
        mainEntryPointFilePath: entry.declarations,
        apiReport: { ...base.apiReport, reportFileName: `${name}${entry.suffix}` },
      },
      configObjectFullPath: join(root, 'api-extractor.base.json'),
      packageJsonFullPath: join(dir, 'package.json'),
    });
    if (local) mkdirSync(config.reportFolder, { recursive: true });
    const result = Extractor.invoke(config, {
      localBuild: local,
      // API Extractor's own advice names its temp file; ours names the command instead (below).
      messageCallback: (message) => {
        const forgotten = /^The symbol "(.+?)" needs to be exported/.exec(message.text)?.[1];
        if (secondary && message.messageId === 'ae-forgotten-export' && forgotten && mainNames.has(forgotten))
          message.logLevel = ExtractorLogLevel.None;
        if (
          message.messageId === 'console-api-report-not-copied' ||
          message.messageId === 'console-api-report-copied'
        )
          message.logLevel = ExtractorLogLevel.None;
        if (message.logLevel === ExtractorLogLevel.Info || message.logLevel === ExtractorLogLevel.Verbose)
          message.logLevel = ExtractorLogLevel.None;
      },
    });
    const report = relative(root, config.reportFilePath);
    if (result.apiReportChanged)
      changed.push({ report, current: join(config.reportTempFolder, basename(config.reportFilePath)) });
    if (!result.succeeded)
      failed.push(`${label} (${result.errorCount} errors, ${result.warningCount} warnings)`);
    console.log(
      `${label}: ${result.apiReportChanged ? (local ? 'updated' : 'CHANGED') : 'unchanged'} ${report}`,
    );
  }
}

if (!local && changed.length > 0) {
  for (const { report, current } of changed) {
    // What changed, committed report first (`git diff --no-index` compares any two files).
    const diff = spawnSync(
      'git',
      ['diff', '--no-index', '--no-color', '--unified=1', report, relative(root, current)],
      { cwd: root, encoding: 'utf8' },
    );
    if (diff.stdout) console.error(`\n${diff.stdout.trimEnd()}`);
  }
  console.error(
    `\napi:check: the public API differs from the committed report in:\n${changed.map((c) => `  ${c.report}`).join('\n')}\n` +
      'If the change is intended, run `pnpm api:update` and commit the updated report(s) with it;\n' +
      'reviewers read that diff as the change to the public surface.',
  );
  process.exit(1);
}
if (failed.length > 0) {
  console.error(`\napi-report: API Extractor reported problems in ${failed.join(', ')} (see above).`);
  process.exit(1);
}
console.log(
  `\n${local ? 'api:update' : 'api:check'}: ${packages.length} packages, reports ${local ? 'written' : 'match the build'}.`,
);
