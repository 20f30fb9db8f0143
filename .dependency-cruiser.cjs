// Import rules of the workspace, checked by `pnpm check:deps` (dependency-cruiser) in CI.
// Two kinds: no circle of imports anywhere in a package's sources, and the layers of
// ../CONTRIBUTING.md ("Dependency rules" and "Core's layers"): arrows point down only.
// Workspace imports (`@mcpkit/*`, and `@mcpkit/core/internal`) resolve to each package's
// src/index.ts (src/internal.ts) through tsconfig.test.json, so the rules see sources, not builds, and need no build first.

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Files that import each other in a circle cannot be read, tested or moved one at a time.',
      from: { path: '^(packages|examples)/' },
      to: { circular: true },
    },
    {
      name: 'no-unresolvable-import',
      severity: 'error',
      comment: 'An import that resolves to nothing is a typo or a missing dependency.',
      from: { path: '^(packages|examples|bench|scripts)/' },
      to: { couldNotResolve: true },
    },

    // ── core's layers: protocol ← observability ← engine ← transports ← façade ──────────────
    {
      name: 'core-protocol-stands-alone',
      severity: 'error',
      comment:
        'The wire protocol (JSON-RPC, envelopes, versions, result shapes) imports nothing else of mcpkit.',
      from: { path: '^packages/core/src/protocol/' },
      to: { path: '^packages/core/src/(?!protocol/)' },
    },
    {
      name: 'core-observability-below-engine',
      severity: 'error',
      comment: 'Logging, redaction and telemetry sit under the engine: they may use the protocol only.',
      from: { path: '^packages/core/src/observability/' },
      to: { path: '^packages/core/src/(?!protocol/|observability/)' },
    },
    {
      name: 'core-engine-knows-no-transport',
      severity: 'error',
      comment:
        'The engine never reaches up into a transport or the façade; transports come to it through the Engine interface.',
      from: { path: '^packages/core/src/engine/' },
      to: { path: '^packages/core/src/(transports/|builder\\.ts|server\\.ts|index\\.ts|internal\\.ts)' },
    },
    {
      name: 'core-transports-below-facade',
      severity: 'error',
      comment:
        'Transports serve an Engine; they never import the builder or the server class that wires them.',
      from: { path: '^packages/core/src/transports/' },
      to: { path: '^packages/core/src/(builder|server|index|internal)\\.ts$' },
    },
    {
      name: 'core-imports-no-mcpkit-package',
      severity: 'error',
      comment: 'Core is the bottom package: nothing of mcpkit below it.',
      from: { path: '^packages/core/src/' },
      to: { path: '^packages/(?!core/)' },
    },

    // ── package boundaries (CONTRIBUTING.md, "Dependency rules") ──────────────────────────
    {
      name: 'extensions-meet-only-through-core',
      severity: 'error',
      comment:
        'middleware, resilience, cache and redis never import each other (or client/testing); they meet through core.',
      from: { path: '^packages/(middleware|resilience|cache|redis)/src/' },
      to: { path: '^packages/(?!core/)([^/]+)/', pathNot: '^packages/$1/' },
    },
    {
      name: 'client-builds-on-core-and-resilience',
      severity: 'error',
      from: { path: '^packages/client/src/' },
      to: { path: '^packages/(?!core/|resilience/|client/)' },
    },
    {
      name: 'testing-builds-on-core-and-client',
      severity: 'error',
      from: { path: '^packages/testing/src/' },
      to: { path: '^packages/(?!core/|client/|testing/)' },
    },
    {
      name: 'runtime-never-imports-testing',
      severity: 'error',
      comment: 'The test toolkit is for tests; no package source may depend on it.',
      from: { path: '^packages/(?!testing/)[^/]+/src/' },
      to: { path: '^packages/testing/' },
    },
    {
      name: 'examples-use-public-entry-points',
      severity: 'error',
      comment:
        "Examples are written as users write: only through the packages' public entry points — the main ones, and testing's `/vitest` one for their tests (never `@mcpkit/core/internal`).",
      from: { path: '^examples/' },
      to: {
        path: '^packages/',
        pathNot: ['^packages/[^/]+/src/index\\.ts$', '^packages/testing/src/vitest\\.ts$'],
      },
    },
    {
      name: 'packages-use-entry-points',
      severity: 'error',
      comment:
        "A package reaches another only through its published entries: the main one, the unstable `/internal` one (src/internal.ts), or testing's `/vitest` one (src/vitest.ts).",
      from: { path: '^packages/([^/]+)/' },
      to: {
        path: '^packages/([^/]+)/',
        pathNot: ['^packages/$1/', '^packages/[^/]+/src/(index|internal|vitest)\\.ts$'],
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|node_modules|\\.tmp)/' },
    tsConfig: { fileName: 'tsconfig.test.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs', '.d.ts'],
    },
  },
};
