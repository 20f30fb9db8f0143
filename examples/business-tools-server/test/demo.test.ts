import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DATABASE_URL } from './fixtures/harness.js';

// The built demo (what `pnpm demo` runs), so providers are discovered from compiled dist/providers/.
const DEMO = fileURLToPath(new URL('../dist/demo.js', import.meta.url));

function runDemo(env: Record<string, string | undefined>): string {
  const { DATABASE_URL: _ignored, ...rest } = process.env;
  const run = spawnSync(process.execPath, [DEMO, '--once'], {
    env: { ...rest, PORT: '0', LOG_LEVEL: 'silent', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(run.status, run.stderr).toBe(0);
  return run.stderr;
}

describe('pnpm demo', () => {
  it('runs every provider with no configuration, the database on DATABASE_URL', () => {
    const out = runDemo({ DATABASE_URL });
    for (const provider of ['crm', 'database', 'sms', 'webhooks'])
      expect(out).toMatch(new RegExp(`✔ ${provider}`));
    expect(out).toMatch(/tour: sms_send → message SM[0-9a-f]{32} queued/);
    expect(out).toMatch(/tour: crm_create → contact \d+ created/);
    expect(out).toMatch(/tour: db_query → DE=\d+, FR=\d+, GB=\d+, US=\d+/);
    expect(out).toMatch(/tour: db_query → refused FORBIDDEN/);
    expect(out).toMatch(/tour: notify_webhook → delivery [0-9a-f-]{36} answered 204/);
  });

  it('says the database provider is disabled when DATABASE_URL is not set', () => {
    const out = runDemo({});
    expect(out).toMatch(/– database {2}disabled: none of DATABASE_URL/);
    expect(out).toMatch(/Database: disabled — set DATABASE_URL/);
    expect(out).toMatch(/tour: db_query skipped \(provider disabled\)/);
  });
});
