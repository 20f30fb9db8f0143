import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createServer, isMcpkitError, loadPlugins, type McpkitError, type Plugin } from '@mcpkit/core';
import { createTestClient, resultText } from '@mcpkit/testing';
import { describe, expect, it } from 'vitest';

const folder = (name: string) => fileURLToPath(new URL(`./fixtures/plugins/${name}/`, import.meta.url));
const CORE = fileURLToPath(new URL('..', import.meta.url));
const CHILD = fileURLToPath(new URL('./fixtures/load-plugins-child.mjs', import.meta.url));
const BUILT = pathToFileURL(fileURLToPath(new URL('../dist/index.js', import.meta.url))).href;
const SOURCE = pathToFileURL(fileURLToPath(new URL('../src/index.ts', import.meta.url))).href;

async function refusal(dir: string | URL): Promise<McpkitError> {
  const error = await loadPlugins(dir).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isMcpkitError(error)) throw new Error(`expected a coded error, got ${String(error)}`);
  return error;
}

/** Runs the child loader under plain node or through the tsx loader; its one output line, parsed. */
function child(loader: 'none' | 'tsx', entry: string, dir: string): unknown {
  const args = [...(loader === 'tsx' ? ['--import', 'tsx'] : []), CHILD, entry, dir];
  const run = spawnSync(process.execPath, args, { cwd: CORE, encoding: 'utf8', timeout: 15_000 });
  expect(run.stderr).toBe('');
  return JSON.parse(run.stdout.trim());
}

describe('loadPlugins', () => {
  it('installs every plugin module of a folder, files and sub-folders, in name order', async () => {
    const plugins = await loadPlugins(folder('ok'));
    expect(plugins.map((p) => p.name)).toEqual([
      'a-typescript',
      'b-module',
      'c-folder',
      'd-common',
      'e-pair',
    ]);
    const client = await createTestClient(
      createServer({ name: 'discovered', version: '1.0.0' }).use(...plugins),
    );
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([
      'from_cjs',
      'from_esm',
      'from_folder',
      'from_pair',
      'from_typescript',
    ]);
    expect(resultText(await client.callTool('from_folder'))).toBe('folder');
    expect(resultText(await client.callTool('from_pair'))).toBe('compiled');
    await client.close();
  });

  it('gives the same order on every call, and accepts a file URL', async () => {
    const first = await loadPlugins(new URL('./fixtures/plugins/ok/', import.meta.url));
    const second = await loadPlugins(folder('ok'));
    expect(first.map((p) => p.name)).toEqual(second.map((p) => p.name));
  });

  it('refuses a module that exports no plugin, naming the file and its exports', async () => {
    const error = await refusal(folder('not-a-plugin'));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toBe('Plugin module "helper.ts" exports no plugin (exports: double).');
    expect(error.details).toEqual({ reason: 'not-a-plugin', file: 'helper.ts' });
    expect(error.hint).toMatch(/default export/);
  });

  it('refuses a module that throws while loading, naming the file and keeping the cause', async () => {
    const error = await refusal(folder('broken'));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toMatch(/^Plugin module "fails.ts" failed to load: database password missing$/);
    expect(error.details).toEqual({ reason: 'load-failed', file: 'fails.ts' });
    expect((error.cause as Error).message).toBe('database password missing');
  });

  it('refuses a sub-folder without an index file of the extensions given', async () => {
    const narrow = await loadPlugins(folder('ok'), { extensions: ['.mjs'] }).catch((e: McpkitError) => e);
    expect((narrow as McpkitError).details).toEqual({ reason: 'no-index', file: 'c-folder' });
  });

  it('refuses a sub-folder without an index file', async () => {
    const error = await refusal(folder('no-index'));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.details).toEqual({ reason: 'no-index', file: 'tools' });
    expect(error.hint).toMatch(/_tools/);
  });

  it('refuses two plugins of one name, naming both files', async () => {
    const error = await refusal(folder('duplicate'));
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toBe('Plugins "one.mjs" and "two.mjs" are both named "same".');
  });

  it('refuses a folder that does not exist with NOT_FOUND', async () => {
    const error = await refusal(folder('missing'));
    expect(error.code).toBe('NOT_FOUND');
    expect(error.details).toEqual({ reason: 'no-folder' });
    const web = await refusal(new URL('https://example.com/plugins/'));
    expect(web.code).toBe('NOT_FOUND');
  });

  it('loads through a custom importer and a narrower extension list', async () => {
    const seen: string[] = [];
    const fake: Plugin = { name: 'fake', install: () => undefined };
    const plugins = await loadPlugins(folder('compiled'), {
      extensions: ['.mjs'],
      importModule: async (url) => {
        seen.push(url.slice(url.lastIndexOf('/') + 1));
        return { default: { ...fake, name: url } };
      },
    });
    expect(seen).toEqual(['a-first.mjs']);
    expect(plugins).toHaveLength(1);
  });

  it('loads compiled JavaScript under plain node, with no loader', () => {
    expect(child('none', BUILT, folder('compiled'))).toEqual(['a-first', 'b-second']);
  });

  it('under plain node, names a TypeScript module and says it needs a loader', () => {
    const out = child('none', BUILT, folder('ok')) as { code: string; message: string };
    expect(out.code).toBe('VALIDATION_FAILED');
    expect(out.message).toMatch(/^Plugin module "a-typescript.ts" failed to load/);
  });

  it('loads TypeScript modules when node runs through the tsx loader', () => {
    expect(child('tsx', SOURCE, folder('ok'))).toEqual([
      'a-typescript',
      'b-module',
      'c-folder',
      'd-common',
      'e-pair',
    ]);
  });
});
