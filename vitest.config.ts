import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (pkg: string, entry = 'index') =>
  fileURLToPath(new URL(`./packages/${pkg}/src/${entry}.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the sources; the published entry points are checked by check:packages and conformance.
    // The subpath entry comes first: an alias matches by prefix, so `@mcpkit/core` would also
    // catch `@mcpkit/core/internal`.
    alias: [
      { find: '@mcpkit/core/internal', replacement: source('core', 'internal') },
      { find: '@mcpkit/testing/vitest', replacement: source('testing', 'vitest') },
      ...['core', 'testing', 'client', 'resilience', 'cache', 'middleware', 'redis'].map((pkg) => ({
        find: `@mcpkit/${pkg}`,
        replacement: source(pkg),
      })),
    ],
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
