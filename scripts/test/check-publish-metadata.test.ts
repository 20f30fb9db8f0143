import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('../check-publish-metadata.mjs', import.meta.url));
const dirs: string[] = [];

/** A throwaway workspace with one package per manifest. */
function workspace(manifests: Record<string, Record<string, unknown>>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mcpkit-publish-'));
  dirs.push(dir);
  for (const [name, manifest] of Object.entries(manifests)) {
    mkdirSync(join(dir, 'packages', name), { recursive: true });
    writeFileSync(join(dir, 'packages', name, 'package.json'), JSON.stringify(manifest));
  }
  return dir;
}

const run = (dir: string) => spawnSync(process.execPath, [SCRIPT, dir], { encoding: 'utf8' });
const complete = (name: string) => ({
  name: `@mcpkit/${name}`,
  repository: { type: 'git', url: 'git+https://example.org/mcpkit.git', directory: `packages/${name}` },
  homepage: `https://example.org/mcpkit/tree/main/packages/${name}`,
  bugs: { url: 'https://example.org/mcpkit/issues' },
});

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('check-publish-metadata (the first step of pnpm release)', () => {
  it('refuses to publish a package without repository, homepage and bugs, naming each field', () => {
    const result = run(workspace({ core: { name: '@mcpkit/core' }, cache: complete('cache') }));
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('packages/core/package.json: "repository" needs');
    expect(result.stderr).toContain('packages/core/package.json: "homepage" is missing');
    expect(result.stderr).toContain('packages/core/package.json: "bugs" is missing');
    expect(result.stderr).not.toContain('packages/cache');
  });

  it("refuses a repository that does not name the package's directory", () => {
    const manifest = {
      ...complete('core'),
      repository: { type: 'git', url: 'git+https://example.org/m.git' },
    };
    const result = run(workspace({ core: manifest }));
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('"directory": "packages/core"');
  });

  it('passes when every published package links its source, docs and tracker; private ones are skipped', () => {
    const result = run(workspace({ core: complete('core'), bench: { name: 'bench', private: true } }));
    expect(result.status).toBe(0);
  });
});
