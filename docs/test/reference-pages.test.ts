// The reference pages cannot rot: every metric the middleware package registers, every span
// attribute it sets, every telemetry event the packages declare and every error code core defines
// must appear in docs/reference/. A new one without documentation fails here.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, RpcCode } from '@mcpkit/core';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const page = (name: string) => readFileSync(join(root, 'docs', 'reference', name), 'utf8');

/** Every `.ts` source file under a package's `src/`, tests excluded. */
function sources(pkg: string): Array<{ path: string; text: string }> {
  const dir = join(root, 'packages', pkg, 'src');
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
    .map((file) => ({ path: `${pkg}/src/${file}`, text: readFileSync(join(dir, file), 'utf8') }));
}

function matches(texts: Array<{ text: string }>, pattern: RegExp): string[] {
  const found = new Set<string>();
  for (const { text } of texts) {
    for (const match of text.matchAll(pattern)) found.add(match[1] as string);
  }
  return [...found].sort();
}

/** The names a page mentions in backticks, as written (`mcp_server_requests_total`). */
function codeSpans(markdown: string): Set<string> {
  return new Set([...markdown.matchAll(/`([^`\n]+)`/g)].map((match) => match[1] as string));
}

describe('docs/reference/observability.md', () => {
  const documented = codeSpans(page('observability.md'));
  const middleware = sources('middleware');

  it('documents every metric registered in @mcpkit/middleware', () => {
    const metrics = matches(middleware, /\bname:\s*'((?:mcp|mcpkit)_[a-z0-9_]+)'/g);
    // The metrics plugin registers 13 series today; finding none would mean the scan is broken.
    expect(metrics.length).toBeGreaterThanOrEqual(13);
    expect(metrics.filter((name) => !documented.has(name))).toEqual([]);
  });

  it('documents every span attribute tracing() sets', () => {
    const tracing = middleware.filter((file) => file.path.includes('/tracing/'));
    const attributes = [
      ...matches(tracing, /'((?:mcp|gen_ai|jsonrpc|mcpkit)\.[a-z_.]+)':/g),
      ...matches(tracing, /attributes\['([a-z_.]+)'\]/g),
      ...matches(tracing, /setAttribute\('([a-z_.]+)'/g),
    ];
    expect(attributes).toContain('mcp.method.name');
    expect(attributes.filter((name) => !documented.has(name))).toEqual([]);
  });

  it('documents every telemetry event any package declares', () => {
    const declared = ['core', 'middleware', 'cache', 'resilience'].flatMap((pkg) =>
      sources(pkg)
        .filter((file) => /interface TelemetryEvents \{/.test(file.text))
        .map((file) => file.text.slice(file.text.indexOf('interface TelemetryEvents {'))),
    );
    const events = matches(
      declared.map((text) => ({ text })),
      /^\s*'([a-z]+\.[A-Za-z]+)':/gm,
    );
    expect(events).toContain('request.end');
    expect(events).toContain('ratelimit.unavailable');
    const page = [...documented].join(' ');
    expect(events.filter((name) => !page.includes(name))).toEqual([]);
  });

  it('documents every field of the per-request log line', () => {
    const logging = middleware.find((file) => file.path.endsWith('logging/logging.ts'));
    const fields = matches([logging as { text: string }], /\bline\.([a-zA-Z]+)\s*=/g);
    expect(fields).toContain('errorCode');
    expect(fields.filter((name) => !documented.has(name))).toEqual([]);
  });
});

describe('docs/reference/error-codes.md', () => {
  const markdown = page('error-codes.md');
  const documented = codeSpans(markdown);

  it('documents every mcpkit error code', () => {
    const codes = Object.values(ErrorCode);
    expect(codes.length).toBeGreaterThanOrEqual(11);
    expect(codes.filter((code) => !documented.has(code))).toEqual([]);
  });

  it('documents every JSON-RPC code core uses, by name and number', () => {
    const missing = Object.entries(RpcCode).filter(
      ([name, code]) => !documented.has(name) || !documented.has(String(code)),
    );
    expect(missing).toEqual([]);
  });

  it('documents every default HTTP status of a coded edge refusal', () => {
    for (const status of ['401', '403', '404', '409', '413', '429', '503', '504']) {
      expect(markdown).toContain(status);
    }
  });
});
