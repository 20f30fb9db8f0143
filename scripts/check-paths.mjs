#!/usr/bin/env node
// Fails when a tracked file names a machine's absolute path: this checkout's own location, or a
// home or workspace folder. Such a path makes a clone elsewhere test the wrong tree, or fail.
// Usage: node scripts/check-paths.mjs [DIR]   (DIR defaults to the repository this script is in)
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(process.argv[2] ?? fileURLToPath(new URL('..', import.meta.url)));
const top = execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd: root, encoding: 'utf8' }).trim();
const files = execFileSync('git', ['ls-files', '-z'], { cwd: top, encoding: 'utf8' })
  .split('\0')
  .filter(Boolean);

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// This checkout's path, and the usual roots of personal and CI workspaces. `/tmp/…` and `/var/…`
// stay allowed: docs legitimately show them as scratch locations.
const pattern = new RegExp(
  `${escapeRegExp(top)}(?![\\w.-])|(?<![\\w.])(?:/home/[\\w.-]+/|/Users/[\\w.-]+/|/root(?=/)|/work/[\\w.-]+/)`,
);
const skip = /(^|\/)(pnpm-lock\.yaml|LICENSE)$|\.(png|jpe?g|gif|ico|woff2?|tgz)$/;

const findings = [];
for (const file of files) {
  if (skip.test(file)) continue;
  let text;
  try {
    text = readFileSync(join(top, file), 'utf8');
  } catch {
    continue; // deleted in the work tree but still tracked: nothing to read
  }
  if (text.includes('\0')) continue;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const match = pattern.exec(lines[i]);
    if (match) findings.push(`${file}:${i + 1}: ${match[0]}`);
  }
}

if (findings.length > 0) {
  console.error(`check:paths: ${findings.length} absolute machine path(s) in tracked files:`);
  for (const line of findings) console.error(`  ${line}`);
  console.error('Resolve paths relative to the file (new URL(..., import.meta.url)) or the repository root.');
  process.exit(1);
}
console.log(`check:paths: ${files.length} tracked files, no absolute machine paths`);
