import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    main: 'src/main.ts',
    demo: 'src/demo.ts',
    seed: 'src/seed.ts',
    server: 'src/server.ts',
    'memory-bench': 'bench/memory-bench.ts',
  },
  format: ['esm'],
  dts: false,
  sourcemap: true,
  clean: true,
  target: 'node20',
});
