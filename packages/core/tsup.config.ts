import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

export default defineConfig({
  ...packageBuild,
  // The main entry and the unstable `@mcpkit/core/internal` entry (see src/internal.ts).
  entry: ['src/index.ts', 'src/internal.ts'],
  // Both entries share one copy of each module in the CommonJS build too (esbuild splits ESM
  // only by default): a `require('@mcpkit/core/internal')` must see the same classes and
  // module state (registered secrets, error classes) as `require('@mcpkit/core')`.
  splitting: true,
});
