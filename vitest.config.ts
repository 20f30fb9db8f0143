import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the sources; the published entry points are checked by check:packages and conformance.
    alias: Object.fromEntries(
      ['core', 'testing', 'resilience', 'cache', 'middleware'].map((pkg) => [`@mcpkit/${pkg}`, source(pkg)]),
    ),
  },
  test: {
    // Stops the run with one message when Redis or PostgreSQL is needed but not answering.
    globalSetup: ['./scripts/require-services.mjs'],
    include: [
      'packages/*/test/**/*.test.ts',
      'examples/*/test/**/*.test.ts',
      'scripts/test/**/*.test.ts',
      'docs/test/**/*.test.ts',
    ],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    env: { LOG_LEVEL: 'silent' },
    typecheck: {
      enabled: true,
      include: ['packages/*/test/**/*.test-d.ts'],
      tsconfig: './tsconfig.test.json',
    },
  },
});
