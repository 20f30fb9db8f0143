// Names each entry-point module of the API reference after its npm package (`@mcpkit/core`, or
// `@mcpkit/testing/vitest` for a subpath entry)
// instead of its path (`core/src`), without a `@module` tag in the sources.
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Converter } from 'typedoc';

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const module of context.project.children ?? []) {
      const file = module.sources?.[0]?.fullFileName;
      if (!file) continue;
      const manifest = join(dirname(file), '..', 'package.json');
      try {
        const name = JSON.parse(readFileSync(manifest, 'utf8')).name;
        // A subpath entry (src/vitest.ts) is named after its export: `@mcpkit/testing/vitest`.
        const entry = basename(file).replace(/\.ts$/, '');
        module.name = entry === 'index' ? name : `${name}/${entry}`;
      } catch {
        // Not a package entry point: keep the name TypeDoc gave it.
      }
    }
  });
}
