import { defineConfig } from 'tsup';

export default defineConfig({
  // Each provider folder's index is an entry, so dist/providers/ is discovered like src/providers/.
  entry: ['src/main.ts', 'src/demo.ts', 'src/server.ts', 'src/providers/*/index.ts'],
  format: ['esm'],
  dts: false,
  sourcemap: true,
  clean: true,
  target: 'node20',
});
