import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

export default defineConfig({
  ...packageBuild,
  // `import.meta.url` in the CommonJS build too: tracing() resolves the optional
  // @opentelemetry/api with createRequire(import.meta.url) (src/tracing/load-otel-api.ts).
  shims: true,
});
