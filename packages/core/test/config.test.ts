import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { ConfigError, defineConfig, secret } from '@mcpkit/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as z from 'zod';

/** Runs `fn` and returns the ConfigError it threw (fails the test otherwise). */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected defineConfig to throw a ConfigError');
}

const schema = z.object({
  DATABASE_URL: z.url(),
  PORT: z.coerce.number().int().min(1).max(65535).default(8080),
  LOG_FORMAT: z.enum(['json', 'pretty']).default('json'),
  API_KEY: secret(z.string().min(12)),
  REDIS_URL: z.string().optional(),
});

const validEnv = {
  DATABASE_URL: 'postgres://app@localhost:5432/app',
  API_KEY: 'sk-live-0123456789',
};

describe('defineConfig', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('parses the environment with defaults and coercion', () => {
    const config = defineConfig(schema, { env: { ...validEnv, PORT: '3000' }, exit: false });
    expect(config.PORT).toBe(3000);
    expect(config.LOG_FORMAT).toBe('json');
    expect(config.DATABASE_URL).toBe(validEnv.DATABASE_URL);
    expect(config.REDIS_URL).toBeUndefined();
    expect(defineConfig(schema, { env: validEnv, exit: false }).PORT).toBe(8080);
  });

  it('treats an empty variable as unset, so defaults apply and required ones are missing', () => {
    const config = defineConfig(schema, { env: { ...validEnv, PORT: '', LOG_FORMAT: '' }, exit: false });
    expect(config.PORT).toBe(8080);
    expect(config.LOG_FORMAT).toBe('json');
    const error = configError(() => defineConfig(schema, { env: { ...validEnv, API_KEY: '' }, exit: false }));
    expect(error.problems).toEqual(['API_KEY: missing (required)']);
  });

  it('reads each variable of the schema exactly once and nothing else', () => {
    const reads: string[] = [];
    const env = new Proxy({ ...validEnv, UNRELATED: 'x' } as Record<string, string | undefined>, {
      get(target, key) {
        if (typeof key === 'string') reads.push(key);
        return target[key as string];
      },
    });
    defineConfig(schema, { env, exit: false });
    expect(reads.sort()).toEqual(['API_KEY', 'DATABASE_URL', 'LOG_FORMAT', 'PORT', 'REDIS_URL']);
  });

  it('returns a snapshot: later changes to the environment do not change the config', () => {
    const env: Record<string, string | undefined> = { ...validEnv, PORT: '1234' };
    const config = defineConfig(schema, { env, exit: false });
    env.PORT = '4321';
    env.DATABASE_URL = 'postgres://elsewhere/db';
    expect(config.PORT).toBe(1234);
    expect(config.DATABASE_URL).toBe(validEnv.DATABASE_URL);
  });

  it('reads process.env when no env is given', () => {
    vi.stubEnv('MCPKIT_CONFIG_TEST_NAME', 'from-process');
    const config = defineConfig(z.object({ MCPKIT_CONFIG_TEST_NAME: z.string() }), { exit: false });
    expect(config.MCPKIT_CONFIG_TEST_NAME).toBe('from-process');
  });

  it('reports every missing and malformed variable in one ConfigError', () => {
    const error = configError(() =>
      defineConfig(schema, { env: { PORT: 'not-a-port', LOG_FORMAT: 'xml' }, exit: false }),
    );
    expect(error.problems).toHaveLength(4);
    expect(error.problems).toEqual(
      expect.arrayContaining([
        'DATABASE_URL: missing (required)',
        'API_KEY: missing (required)',
        expect.stringMatching(/^PORT: /),
        expect.stringMatching(/^LOG_FORMAT: /),
      ]),
    );
    expect(error.name).toBe('ConfigError');
    expect(error.message.startsWith('Invalid configuration (4 problems):\n  - ')).toBe(true);
    for (const problem of error.problems) expect(error.message).toContain(problem);
  });

  it('says why a variable that a rule of the object requires is missing', () => {
    const tls = z
      .object({ TLS_CERT: z.string().optional(), TLS_KEY: z.string().optional() })
      .superRefine((value, ctx) => {
        if (value.TLS_CERT !== undefined && value.TLS_KEY === undefined)
          ctx.addIssue({ code: 'custom', path: ['TLS_KEY'], message: 'required when TLS_CERT is set' });
      });
    const error = configError(() => defineConfig(tls, { env: { TLS_CERT: '/etc/cert.pem' }, exit: false }));
    expect(error.problems).toEqual(['TLS_KEY: missing (required when TLS_CERT is set)']);
    expect(defineConfig(tls, { env: {}, exit: false })).toEqual({});
    const either = z
      .object({ A: z.string().optional(), B: z.string().optional() })
      .refine((value) => value.A !== undefined || value.B !== undefined, 'set A or B');
    expect(configError(() => defineConfig(either, { env: {}, exit: false })).problems).toEqual([
      'set A or B',
    ]);
  });

  it('uses the singular for a single problem', () => {
    const error = configError(() =>
      defineConfig(schema, { env: { API_KEY: validEnv.API_KEY }, exit: false }),
    );
    expect(error.message).toBe('Invalid configuration (1 problem):\n  - DATABASE_URL: missing (required)');
  });

  it('never prints the value of a malformed variable, secret or not', () => {
    const badSecret = 'hunter2-short';
    const error = configError(() =>
      defineConfig(
        z.object({
          API_KEY: secret(z.string().min(32)),
          TOKEN: secret(z.string().regex(/^tok_/)),
          DATABASE_URL: z.url(),
          PORT: z.coerce.number().int(),
        }),
        {
          env: {
            API_KEY: badSecret,
            TOKEN: 'xyz-secret-token',
            DATABASE_URL: 'not a url at all',
            PORT: '80.5x',
          },
          exit: false,
        },
      ),
    );
    expect(error.problems).toHaveLength(4);
    for (const value of [badSecret, 'xyz-secret-token', 'not a url at all', '80.5x']) {
      expect(error.message).not.toContain(value);
      expect(JSON.stringify(error)).not.toContain(value);
      expect(inspect(error)).not.toContain(value);
    }
    expect(error.message).toContain('API_KEY: ');
    expect(error.message).toContain('TOKEN: ');
  });

  it('redacts secret fields in JSON.stringify and util.inspect but keeps their values readable', () => {
    const config = defineConfig(schema, {
      env: { ...validEnv, REDIS_URL: 'redis://localhost:6379' },
      exit: false,
    });
    expect(config.API_KEY).toBe(validEnv.API_KEY);
    const json = JSON.parse(JSON.stringify(config)) as Record<string, unknown>;
    expect(json).toEqual({
      DATABASE_URL: validEnv.DATABASE_URL,
      PORT: 8080,
      LOG_FORMAT: 'json',
      API_KEY: '[redacted]',
      REDIS_URL: 'redis://localhost:6379',
    });
    const printed = inspect(config);
    expect(printed).not.toContain(validEnv.API_KEY);
    expect(printed).toContain('[redacted]');
    expect(printed).toContain(validEnv.DATABASE_URL);
    expect(JSON.stringify({ config })).not.toContain(validEnv.API_KEY);
    expect(inspect({ nested: { config } }, { depth: 5 })).not.toContain(validEnv.API_KEY);
  });

  it('keeps its own keys enumerable and nothing extra', () => {
    const config = defineConfig(schema, { env: validEnv, exit: false });
    expect(Object.keys(config).sort()).toEqual(['API_KEY', 'DATABASE_URL', 'LOG_FORMAT', 'PORT']);
  });

  it('redacts secrets wrapped in optional or default', () => {
    const config = defineConfig(
      z.object({
        A: secret(z.string()).optional(),
        B: secret(z.string()).default('default-secret-b'),
        C: secret(z.string().optional()),
        D: secret(z.string()).optional(),
      }),
      { env: { A: 'secret-a', C: 'secret-c' }, exit: false },
    );
    expect(config).toMatchObject({ A: 'secret-a', B: 'default-secret-b', C: 'secret-c' });
    const json = JSON.stringify(config);
    const printed = inspect(config);
    for (const value of ['secret-a', 'default-secret-b', 'secret-c']) {
      expect(json).not.toContain(value);
      expect(printed).not.toContain(value);
    }
    // An unset optional secret stays absent rather than appearing as "[redacted]".
    expect(JSON.parse(json)).not.toHaveProperty('D');
  });

  it('redacts a secret that is refined after being marked', () => {
    const config = defineConfig(z.object({ API_KEY: secret(z.string()).min(8) }), {
      env: { API_KEY: 'refined-secret-value' },
      exit: false,
    });
    expect(config.API_KEY).toBe('refined-secret-value');
    expect(JSON.stringify(config)).not.toContain('refined-secret-value');
    expect(inspect(config)).not.toContain('refined-secret-value');
  });
});

describe('defineConfig exit path', () => {
  const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
  const packageDir = fileURLToPath(new URL('..', import.meta.url));

  function runChild(env: Record<string, string>) {
    expect(existsSync(dist), `build @mcpkit/core first: pnpm turbo run build (missing ${dist})`).toBe(true);
    const code = `
      import * as z from 'zod';
      import { defineConfig, secret } from ${JSON.stringify(new URL(`file://${dist}`).href)};
      const config = defineConfig(z.object({
        DATABASE_URL: z.url(),
        API_KEY: secret(z.string().min(32)),
        SIGNING_SECRET: secret(z.string()),
        PORT: z.coerce.number().int().default(8080),
      }));
      process.stdout.write('started on ' + config.PORT + '\\n');
    `;
    return spawnSync(process.execPath, ['--input-type=module', '-e', code], {
      cwd: packageDir,
      env: { PATH: process.env.PATH ?? '', ...env },
      encoding: 'utf8',
      timeout: 15_000,
    });
  }

  it('prints every missing variable to stderr and exits with code 1', () => {
    const child = runChild({});
    expect(child.status).toBe(1);
    expect(child.stdout).toBe('');
    expect(child.stderr).toContain('Invalid configuration (3 problems):');
    for (const name of ['DATABASE_URL', 'API_KEY', 'SIGNING_SECRET']) {
      expect(child.stderr).toContain(`${name}: missing (required)`);
    }
    expect(child.stderr).not.toContain('PORT');
  });

  it('does not print the value of a malformed secret when exiting', () => {
    const child = runChild({
      DATABASE_URL: 'postgres://db/app',
      API_KEY: 'too-short-hunter2',
      SIGNING_SECRET: 's3cr3t',
    });
    expect(child.status).toBe(1);
    expect(child.stderr).toContain('Invalid configuration (1 problem):');
    expect(child.stderr).toContain('API_KEY: ');
    expect(child.stderr).not.toContain('too-short-hunter2');
    expect(child.stderr).not.toContain('s3cr3t');
  });

  it('starts normally when the environment is complete', () => {
    const child = runChild({
      DATABASE_URL: 'postgres://db/app',
      API_KEY: 'k'.repeat(32),
      SIGNING_SECRET: 's3cr3t',
      PORT: '9000',
    });
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    expect(child.stdout).toBe('started on 9000\n');
  });
});
