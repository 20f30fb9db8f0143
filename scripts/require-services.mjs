#!/usr/bin/env node
// Checks, before any test runs, that the real services the tests need answer: Redis at REDIS_URL
// and PostgreSQL at DATABASE_URL (each defaulting to 127.0.0.1 and its default port). A service is
// needed when some test source reads its variable (`process.env.REDIS_URL`). When one is missing
// the run stops at once with one message naming the service, the URL tried and how to start it,
// instead of every suite that needs it failing on its own after its connect timeout. It never
// skips: in CI a missing service fails the run like anywhere else.
//
// Used twice: as the first step of `pnpm test` (so the message comes before the build) and as
// vitest's globalSetup (so `pnpm vitest run <file>` gets it too).
// Usage: node scripts/require-services.mjs [DIR]   (DIR: where to look for tests; default: this repo)
import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PROBE_TIMEOUT_MS = 2_000;

/** The services tests may need: where they are found, how to tell they answer, how to start one. */
const SERVICES = [
  {
    name: 'Redis',
    variable: 'REDIS_URL',
    fallback: 'redis://127.0.0.1:6379',
    defaultPort: 6379,
    // Any RESP reply (`+PONG`, or `-NOAUTH` from a Redis that wants a password) means it runs.
    hello: Buffer.from('PING\r\n'),
    answered: (bytes) => bytes[0] === 0x2b || bytes[0] === 0x2d,
    start: (url) =>
      `redis-server --daemonize yes --bind ${url.hostname} --port ${url.port || 6379} --save "" --appendonly no`,
  },
  {
    name: 'PostgreSQL',
    variable: 'DATABASE_URL',
    fallback: 'postgres://postgres@127.0.0.1:5432/postgres',
    defaultPort: 5432,
    // An SSLRequest packet: a PostgreSQL server answers it with one byte, 'S' or 'N'.
    hello: Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]),
    answered: (bytes) => bytes[0] === 0x53 || bytes[0] === 0x4e,
    start: () =>
      'pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start' +
      '   (Debian/Ubuntu; elsewhere: pg_ctl -D <data dir> start)',
  },
];

/** Test source files (under packages/<name>/test and examples/<name>/test) below `root`. */
function testSources(root) {
  const found = [];
  const walk = (dir) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // a package without tests
    }
    for (const entry of entries) {
      if (entry.name === 'node_modules' || entry.name === 'dist') continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(ts|mts|js|mjs)$/.test(entry.name)) found.push(path);
    }
  };
  for (const group of ['packages', 'examples']) {
    let members = [];
    try {
      members = readdirSync(join(root, group), { withFileTypes: true }).filter((e) => e.isDirectory());
    } catch {
      continue;
    }
    for (const member of members) walk(join(root, group, member.name, 'test'));
  }
  return found;
}

/** Resolves with null when the service answered, or with the reason it did not. */
function probe(service, url) {
  return new Promise((done) => {
    const socket = connect({
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: Number(url.port) || service.defaultPort,
    });
    const finish = (reason) => {
      clearTimeout(timer);
      socket.destroy();
      done(reason);
    };
    const timer = setTimeout(() => finish(`no answer within ${PROBE_TIMEOUT_MS} ms`), PROBE_TIMEOUT_MS);
    socket.once('connect', () => {
      // rediss:// speaks TLS first; a TCP connection is all we can check without a client.
      if (url.protocol === 'rediss:') finish(null);
      else socket.write(service.hello);
    });
    socket.once('data', (bytes) =>
      finish(service.answered(bytes) ? null : `something else listens there (not ${service.name})`),
    );
    socket.once('error', (error) =>
      finish(error.code === 'ECONNREFUSED' ? 'connection refused' : error.message),
    );
    socket.once('end', () => finish('the connection was closed without an answer'));
  });
}

/** Hides a password in a URL shown in the message. */
function shown(url) {
  const copy = new URL(url.href);
  if (copy.password) copy.password = '***';
  return copy.href;
}

/**
 * Probes every service some test needs; returns one message describing each that does not answer
 * (empty when all do).
 */
export async function missingServices(root = ROOT, env = process.env) {
  const sources = testSources(root).map((file) => readFileSync(file, 'utf8'));
  const needed = SERVICES.filter((s) => sources.some((text) => text.includes(`process.env.${s.variable}`)));
  const failures = await Promise.all(
    needed.map(async (service) => {
      const raw = env[service.variable] || service.fallback;
      let url;
      try {
        url = new URL(raw);
      } catch {
        return `- ${service.name}: ${service.variable}=${raw} is not a URL.`;
      }
      const reason = await probe(service, url);
      if (reason === null) return undefined;
      const where = env[service.variable] ? service.variable : `${service.variable} unset, so the default`;
      return (
        `- ${service.name} is not reachable at ${shown(url)} (${where}): ${reason}.\n` +
        `  Start it:   ${service.start(url)}\n` +
        `  or point ${service.variable} at a running ${service.name}.`
      );
    }),
  );
  const lines = failures.filter(Boolean);
  if (lines.length === 0) return '';
  return (
    `The tests use real services and ${lines.length === 1 ? 'one is' : 'some are'} not running, so no test was run:\n` +
    `${lines.join('\n')}\n` +
    'See "Setup" in CONTRIBUTING.md. `bash .ci/run` starts both on 127.0.0.1 and runs everything.'
  );
}

/** vitest globalSetup: stops the run before any test file loads when a needed service is down. */
export default async function setup() {
  const message = await missingServices();
  if (message) {
    // Thrown as a plain error: vitest prints its message once and exits non-zero.
    const error = new Error(message);
    error.stack = message;
    throw error;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const message = await missingServices(resolve(process.argv[2] ?? ROOT));
  if (message) {
    console.error(message);
    process.exit(1);
  }
}
