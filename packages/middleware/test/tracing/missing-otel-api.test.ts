import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The built package in a process where @opentelemetry/api cannot be resolved from the package's
// own files (as in a pnpm app that did not install it): a resolver hook answers those lookups with
// the error Node gives for a package that is not installed. prom-client, a dependency, brings its
// own copy of the API and still finds it. scripts/check-packages.mjs checks the same on the packed
// tarballs, installed in a project without it.
const distDir = fileURLToPath(new URL('../../dist/', import.meta.url));
const dist = `${distDir}index.js`;

describe('@mcpkit/middleware without @opentelemetry/api', () => {
  it('loads, and tracing() throws a coded error naming the install', () => {
    expect(existsSync(dist), `${dist} is missing: run \`pnpm build\` first`).toBe(true);
    const script = `
      import Module from 'node:module';
      // tracing() loads the API with require(): hide it from the CommonJS resolver, for lookups
      // from the middleware's build only.
      const original = Module._resolveFilename;
      Module._resolveFilename = function (request, parent, ...rest) {
        if (request === '@opentelemetry/api' && parent?.filename?.startsWith(${JSON.stringify(distDir)})) {
          const error = new Error("Cannot find module '@opentelemetry/api'");
          error.code = 'MODULE_NOT_FOUND';
          throw error;
        }
        return original.call(this, request, parent, ...rest);
      };
      const { production, tracing } = await import(${JSON.stringify(dist)});
      production({ logging: false });
      try {
        tracing();
        console.log(JSON.stringify({ threw: false }));
      } catch (error) {
        console.log(JSON.stringify({ name: error.name, code: error.code, message: error.message, hint: error.hint }));
      }
    `;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual({
      name: 'McpkitError',
      code: 'VALIDATION_FAILED',
      message: 'tracing() needs the optional peer dependency @opentelemetry/api.',
      hint: 'npm install @opentelemetry/api (and an OpenTelemetry SDK to export spans).',
    });
  });
});
