import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('../check-paths.mjs', import.meta.url));
const repos: string[] = [];

/** A throwaway git repository holding the given files, all tracked. */
function repoWith(files: Record<string, (dir: string) => string>): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'mcpkit-paths-')));
  repos.push(dir);
  execFileSync('git', ['init', '-q'], { cwd: dir });
  for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), body(dir));
  execFileSync('git', ['add', '.'], { cwd: dir });
  return dir;
}

const run = (dir: string) => spawnSync(process.execPath, [SCRIPT, dir], { encoding: 'utf8' });

afterEach(() => {
  for (const dir of repos.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('check:paths', () => {
  it('passes a repository whose files name only relative paths', () => {
    const dir = repoWith({
      'a.ts': () => "const p = new URL('../x', import.meta.url);\nconst t = '/tmp/scratch';\n",
    });
    const result = run(dir);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('no absolute machine paths');
  });

  it("fails on a planted copy of the checkout's own absolute path, naming file and line", () => {
    const dir = repoWith({ 'ok.ts': () => 'export {};\n', 'bad.test.ts': (d) => `\nconst REPO = '${d}';\n` });
    const result = run(dir);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('bad.test.ts:2:');
  });

  it('fails on home and workspace folders of other machines', () => {
    // Built from parts, so that this file does not itself trip the check it tests.
    const home = ['', 'home', 'ada', ''].join('/');
    const workspace = ['', 'work', 'main', ''].join('/');
    const dir = repoWith({ 'notes.md': () => `see ${home}src/mcpkit/README.md and ${workspace}packages\n` });
    const result = run(dir);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`notes.md:1: ${home}`);
  });
});
