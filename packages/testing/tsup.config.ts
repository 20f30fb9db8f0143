import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

export default defineConfig({
  ...packageBuild,
  // The runner-agnostic main entry and the vitest integration (`@mcpkit/testing/vitest`).
  entry: ['src/index.ts', 'src/vitest.ts'],
  // Both entries share one copy of each module in the CommonJS build too.
  splitting: true,
  external: ['vitest'],
});
