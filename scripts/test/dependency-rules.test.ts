import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

// The rules of .dependency-cruiser.cjs, run on small planted trees: each breach must fail the check
// with the rule's name, and a tree that keeps the layers must pass.
const CONFIG = fileURLToPath(new URL('../../.dependency-cruiser.cjs', import.meta.url));
const CRUISER = fileURLToPath(
  new URL('../../node_modules/dependency-cruiser/bin/dependency-cruise.mjs', import.meta.url),
);
const trees: string[] = [];

/** A clean little workspace in the repository's shape: core's layers, one extension, one example. */
const CLEAN: Record<string, string> = {
  'packages/core/src/protocol/jsonrpc.ts': 'export const rpc = 1;\n',
  'packages/core/src/observability/logger.ts':
    "import { rpc } from '../protocol/jsonrpc.js';\nexport const log = rpc;\n",
  'packages/core/src/engine/engine.ts':
    "import { log } from '../observability/logger.js';\nexport const engine = log;\n",
  'packages/core/src/transports/stdio.ts':
    "import { engine } from '../engine/engine.js';\nexport const stdio = engine;\n",
  'packages/core/src/server.ts':
    "import { stdio } from './transports/stdio.js';\nexport const server = stdio;\n",
  'packages/core/src/index.ts': "export { server } from './server.js';\n",
  'packages/core/src/internal.ts': "export { engine } from './engine/engine.js';\n",
  'packages/cache/src/index.ts': "import { server } from '@mcpkit/core';\nexport const cache = server;\n",
  'packages/middleware/src/index.ts':
    "import { server } from '@mcpkit/core';\nexport const middleware = server;\n",
  'examples/demo/src/main.ts': "import { cache } from '@mcpkit/cache';\nexport const demo = cache;\n",
};

function cruise(planted: Record<string, string>) {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'mcpkit-deps-')));
  trees.push(dir);
  const files = { ...CLEAN, ...planted };
  files['tsconfig.test.json'] = JSON.stringify({
    compilerOptions: {
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      paths: {
        '@mcpkit/core': ['./packages/core/src/index.ts'],
        '@mcpkit/core/internal': ['./packages/core/src/internal.ts'],
        '@mcpkit/cache': ['./packages/cache/src/index.ts'],
        '@mcpkit/middleware': ['./packages/middleware/src/index.ts'],
      },
    },
  });
  for (const [name, body] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), body);
  }
  const result = spawnSync(
    process.execPath,
    [CRUISER, 'packages', 'examples', '--config', CONFIG, '--output-type', 'err'],
    { cwd: dir, encoding: 'utf8' },
  );
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

afterEach(() => {
  for (const dir of trees.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('check:deps', () => {
  it('passes a tree whose imports point down the layers', () => {
    const result = cruise({});
    expect(result.output).toContain('no dependency violations found');
    expect(result.status).toBe(0);
  });

  it('fails on a planted import cycle inside a package', () => {
    const result = cruise({
      'packages/core/src/engine/engine.ts':
        "import { log } from '../observability/logger.js';\nimport { other } from './other.js';\nexport const engine = log + other;\n",
      'packages/core/src/engine/other.ts':
        "import { engine } from './engine.js';\nexport const other = 1;\nexport const x = () => engine;\n",
    });
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('no-circular');
  });

  it('fails when one extension imports a sibling instead of meeting it through core', () => {
    const result = cruise({
      'packages/cache/src/index.ts':
        "import { middleware } from '@mcpkit/middleware';\nexport const cache = middleware;\n",
    });
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('extensions-meet-only-through-core');
  });

  it('fails when the engine reaches up into a transport', () => {
    const result = cruise({
      'packages/core/src/engine/engine.ts':
        "import { stdio } from '../transports/stdio.js';\nexport const engine = 1;\nexport const s = () => stdio;\n",
    });
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('core-engine-knows-no-transport');
  });

  it('fails when the protocol layer imports the engine', () => {
    const result = cruise({
      'packages/core/src/protocol/jsonrpc.ts':
        "import { engine } from '../engine/engine.js';\nexport const rpc = () => engine;\n",
    });
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('core-protocol-stands-alone');
  });

  it('fails when an example reaches past a package entry point', () => {
    const result = cruise({
      'examples/demo/src/main.ts':
        "import { engine } from '../../../packages/core/src/engine/engine.js';\nexport const demo = engine;\n",
    });
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('examples-use-public-entry-points');
  });

  it('lets a package use core through its internal entry', () => {
    const result = cruise({
      'packages/middleware/src/index.ts':
        "import { engine } from '@mcpkit/core/internal';\nexport const middleware = engine;\n",
    });
    expect(result.output).toContain('no dependency violations found');
    expect(result.status).toBe(0);
  });

  it('fails when a package reaches into another package past its entries', () => {
    const result = cruise({
      'packages/middleware/src/index.ts':
        "import { engine } from '../../core/src/engine/engine.js';\nexport const middleware = engine;\n",
    });
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('packages-use-entry-points');
  });

  it('fails when an example imports the internal entry', () => {
    const result = cruise({
      'examples/demo/src/main.ts':
        "import { engine } from '@mcpkit/core/internal';\nexport const demo = engine;\n",
    });
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('examples-use-public-entry-points');
  });
});
