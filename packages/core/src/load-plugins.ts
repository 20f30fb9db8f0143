import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { extname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isPlugin, type Plugin } from './builder.js';
import { McpkitError } from './engine/errors.js';

/** Options of {@link loadPlugins}. */
export interface LoadPluginsOptions {
  /**
   * File extensions loaded, in order of preference when one module exists under several (`a.js`
   * beside `a.ts`, or a folder's `index.*`). Default: `.js`, `.mjs`, `.cjs`, `.ts`, `.mts`, `.cts`.
   */
  extensions?: readonly string[];
  /** Loads one module from its `file:` URL. Default: the runtime's dynamic `import()`. */
  importModule?: (url: string) => Promise<unknown>;
}

const DEFAULT_EXTENSIONS = ['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts'] as const;
const TYPESCRIPT = new Set(['.ts', '.mts', '.cts']);

/** What is never a plugin module: declarations, source maps, tests, and names kept private by a leading `_` or `.`. */
function ignored(name: string): boolean {
  return (
    name.startsWith('.') ||
    name.startsWith('_') ||
    /\.d\.[cm]?ts$/.test(name) ||
    /\.(test|spec)\.[cm]?[jt]s$/.test(name)
  );
}

type Candidate = { key: string; file: string };

function failure(reason: string, message: string, file: string, hint: string, cause?: unknown): McpkitError {
  return new McpkitError('VALIDATION_FAILED', message, {
    retryable: false,
    hint,
    details: { reason, file },
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Picks one file per module: each loadable file by its stem, each folder by its `index.*`. */
async function candidatesIn(
  root: string,
  entries: Dirent[],
  extensions: readonly string[],
): Promise<Candidate[]> {
  const rank = (file: string) => extensions.indexOf(extname(file));
  const byKey = new Map<string, string>();
  for (const entry of entries) {
    if (ignored(entry.name)) continue;
    if (entry.isDirectory()) {
      const inside = await readdir(join(root, entry.name));
      const index = extensions.map((ext) => `index${ext}`).find((name) => inside.includes(name));
      if (index === undefined) {
        throw failure(
          'no-index',
          `Plugin folder "${entry.name}" has no index file.`,
          entry.name,
          `Add ${entry.name}/index${extensions[0] ?? '.js'} exporting the plugin, or rename the folder to _${entry.name} to keep it out of discovery.`,
        );
      }
      byKey.set(entry.name, join(entry.name, index));
      continue;
    }
    if (!entry.isFile() || rank(entry.name) < 0) continue;
    const key = entry.name.slice(0, -extname(entry.name).length);
    const taken = byKey.get(key);
    if (taken === undefined || rank(entry.name) < rank(taken)) byKey.set(key, entry.name);
  }
  // Code-unit order, not the locale's: the same folder installs in the same order everywhere.
  return [...byKey.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, file]) => ({ key, file }));
}

/** The plugin a module exports: its default export, else a named `plugin` export. */
function pluginOf(loaded: unknown): Plugin | undefined {
  if (typeof loaded !== 'object' || loaded === null) return undefined;
  const module = loaded as { default?: unknown; plugin?: unknown };
  if (isPlugin(module.default)) return module.default;
  // A CommonJS module compiled from `export default` arrives as `{ default: { default: plugin } }`.
  const nested = (module.default as { default?: unknown } | undefined)?.default;
  if (isPlugin(nested)) return nested;
  if (isPlugin(module.plugin)) return module.plugin;
  return undefined;
}

/**
 * Discovers the plugins in a folder: every module directly in `dir` (a file, or a sub-folder's
 * `index` file) must export a {@link Plugin} as its default export or as `plugin`. Modules load
 * one at a time in code-unit order of their names, so the result — and so the order of `.use()` —
 * is the same on every machine. Names starting with `_` or `.`, declarations and test files are
 * skipped. Compiled JavaScript loads as is; TypeScript loads when the process runs through a
 * loader (`node --import tsx`, vitest). Throws a `VALIDATION_FAILED` {@link McpkitError} naming
 * the file when a module fails to load or exports something else, and `CONFLICT` when two modules
 * bring plugins of the same name. Install the result with `builder.use(...await loadPlugins(dir))`.
 */
export async function loadPlugins(dir: string | URL, options: LoadPluginsOptions = {}): Promise<Plugin[]> {
  let root = String(dir);
  const extensions = options.extensions ?? DEFAULT_EXTENSIONS;
  const importModule = options.importModule ?? ((url: string) => import(url));
  let entries: Dirent[];
  try {
    // A URL that is not a file: URL throws here too, and gets the same coded error.
    root = resolve(typeof dir === 'string' ? dir : fileURLToPath(dir));
    entries = await readdir(root, { withFileTypes: true });
  } catch (cause) {
    throw new McpkitError('NOT_FOUND', `The plugin folder "${root}" cannot be read.`, {
      retryable: false,
      cause,
      hint: 'Pass an existing folder, resolved from the module (new URL("./plugins/", import.meta.url)), not from the working directory.',
      details: { reason: 'no-folder' },
    });
  }
  const plugins: Plugin[] = [];
  const fileOfName = new Map<string, string>();
  for (const { file } of await candidatesIn(root, entries, extensions)) {
    const path = join(root, file);
    const shown = relative(root, path);
    let loaded: unknown;
    try {
      loaded = await importModule(pathToFileURL(path).href);
    } catch (cause) {
      const typescript = TYPESCRIPT.has(extname(file));
      throw failure(
        'load-failed',
        `Plugin module "${shown}" failed to load: ${cause instanceof Error ? cause.message : String(cause)}`,
        shown,
        typescript
          ? 'TypeScript plugins need a loader: run with `node --import tsx`, or load the compiled folder.'
          : 'Fix the error the module throws while loading; it runs once, at discovery.',
        cause,
      );
    }
    const plugin = pluginOf(loaded);
    if (!plugin) {
      const names = typeof loaded === 'object' && loaded !== null ? Object.keys(loaded) : [];
      throw failure(
        'not-a-plugin',
        `Plugin module "${shown}" exports no plugin (exports: ${names.length ? names.join(', ') : 'none'}).`,
        shown,
        'Export `{ name, install(builder) }` as the default export or as `plugin`; keep helpers in files named with a leading _.',
      );
    }
    const previous = fileOfName.get(plugin.name);
    if (previous !== undefined) {
      throw new McpkitError(
        'CONFLICT',
        `Plugins "${previous}" and "${shown}" are both named "${plugin.name}".`,
        {
          retryable: false,
          hint: 'Give every plugin in the folder its own name.',
          details: { reason: 'duplicate-name', file: shown, other: previous },
        },
      );
    }
    fileOfName.set(plugin.name, shown);
    plugins.push(plugin);
  }
  return plugins;
}
