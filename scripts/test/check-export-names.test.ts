import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('../check-export-names.mjs', import.meta.url));
const dirs: string[] = [];

/** A throwaway workspace of built packages: each gets a package.json and dist/index.{js,d.ts}. */
function workspace(packages: Record<string, { js: string; dts: string }>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mcpkit-exports-'));
  dirs.push(dir);
  for (const [name, files] of Object.entries(packages)) {
    const base = join(dir, 'packages', name);
    mkdirSync(join(base, 'dist'), { recursive: true });
    const manifest = {
      name: `@fixture/${name}`,
      type: 'module',
      exports: { '.': { import: { types: './dist/index.d.ts', default: './dist/index.js' } } },
    };
    writeFileSync(join(base, 'package.json'), JSON.stringify(manifest));
    writeFileSync(join(base, 'dist', 'index.js'), files.js);
    writeFileSync(join(base, 'dist', 'index.d.ts'), files.dts);
  }
  return dir;
}

const run = (dir: string) => spawnSync(process.execPath, [SCRIPT, dir], { encoding: 'utf8' });

const core = {
  js: 'export class McpkitError extends Error {}\n',
  dts: 'export declare class McpkitError extends Error {}\n',
};

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('check-export-names (pnpm check:exports)', { timeout: 60_000 }, () => {
  it('fails when two packages export different functions under one name, naming both', () => {
    const dir = workspace({
      core,
      cache: {
        js: 'export function memoryStore() { return { kind: "cache" }; }\n',
        dts: 'export declare function memoryStore(): { kind: string };\n',
      },
      middleware: {
        js: 'export function memoryStore() { return { kind: "rate-limit" }; }\n',
        dts: 'export declare function memoryStore(): { kind: string };\n',
      },
    });
    const result = run(dir);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('memoryStore: a different value in @fixture/cache, @fixture/middleware');
  });

  it('fails when two packages declare different types under one name', () => {
    const dir = workspace({
      cache: { js: 'export {};\n', dts: 'export interface StoreOptions { max?: number }\n' },
      middleware: { js: 'export {};\n', dts: 'export interface StoreOptions { maxKeys?: number }\n' },
    });
    const result = run(dir);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /StoreOptions: a different type in @fixture\/cache \(packages\/cache\/dist\/index\.d\.ts:1\)/,
    );
  });

  it('passes a name re-exported unchanged from another package', () => {
    const dir = workspace({
      core,
      cache: {
        js: "export { McpkitError } from '../../core/dist/index.js';\n",
        dts: "export { McpkitError } from '../../core/dist/index.js';\n",
      },
    });
    const result = run(dir);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('2 packages, 1 export names, 1 exported by more than one package');
  });
});
