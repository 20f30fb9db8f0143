// Acceptance (issue 12, item 1): secrets planted in errors, upstream bodies, arguments and URLs
// across a production() server run, both eras, reach no log line, audit record, span or client answer.
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, createServer, defineConfig, McpkitError, secret } from '@mcpkit/core';
import { type AuditRecord, apiKey, hashApiKey, production } from '@mcpkit/middleware';
import { createUpstream } from '@mcpkit/resilience';
import { connectTestClient, serveForTest, type TestServer } from '@mcpkit/testing';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { captureLogger } from '../fixtures/capture-logger.js';

const config = defineConfig(z.object({ LEDGER_PASSPHRASE: secret(z.string()) }), {
  env: { LEDGER_PASSPHRASE: 'plainly-Ledger-77' },
});

/** Each kind of secret, as planted, and the part of it that must never be seen again. */
const SECRETS = {
  card: { planted: '4242 4242 4242 4242', leaks: ['4242 4242 4242 4242', '4242424242424242'] },
  cardDashed: { planted: '5555-5555-5555-4444', leaks: ['5555-5555-5555-4444'] },
  stripe: { planted: 'sk_live_51HqLyjWDarjtT1zdp7dc0x', leaks: ['51HqLyjWDarjtT1zdp7dc0x'] },
  github: {
    planted: 'ghp_R2d2C3poBb8Yoda1LukeLeia9HanSoloX7',
    leaks: ['R2d2C3poBb8Yoda1LukeLeia9HanSoloX7'],
  },
  slack: { planted: 'xoxb-240932-8851-ZqPfakeSlackTok', leaks: ['240932-8851-ZqPfakeSlackTok'] },
  awsKeyId: { planted: 'AKIAZ7QW3E4R5T6Y7U8I', leaks: ['AKIAZ7QW3E4R5T6Y7U8I'] },
  awsSecret: {
    planted: 'aws_secret_access_key=wJalrXUtnFEMIK7MDENGbPxRfiCYzz',
    leaks: ['wJalrXUtnFEMIK7MDENGbPxRfiCYzz'],
  },
  bearer: { planted: 'Authorization: Bearer opaque.tok3n-value_77', leaks: ['opaque.tok3n-value_77'] },
  jwt: {
    planted: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbm4ifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ',
    leaks: ['eyJzdWIiOiJhbm4ifQ', 'c2lnbmF0dXJlLXNpZ25hdHVyZQ'],
  },
  urlUserInfo: { planted: 'postgres://admin:Hunter2Pass@db.internal:5432/app', leaks: ['Hunter2Pass'] },
  jsonPassword: { planted: '{"user":"ann","password":"Correct Horse 9"}', leaks: ['Correct Horse 9'] },
  pwdAssignment: { planted: 'pwd=Tr0ub4dor&3', leaks: ['Tr0ub4dor'] },
  apiKeyAssignment: { planted: 'api_key: k3y-0ff-th3-r3c0rd', leaks: ['k3y-0ff-th3-r3c0rd'] },
  configSecret: { planted: config.LEDGER_PASSPHRASE, leaks: ['plainly-Ledger-77'] },
  privateKey: {
    planted: '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----',
    leaks: ['MIIEvQIBADANBgkqhkiG9w0BAQEFAASC'],
  },
} as const;

const ALL_PLANTED = Object.values(SECRETS)
  .map((s) => s.planted)
  .join(' | ');
const CALLER_KEY = 'caller-key-0123456789abcdef';

let upstream: Server;
let upstreamUrl: string;
let served: TestServer;
const coreLines: string[] = [];
const requestLines = captureLogger('debug');
const exporter = new InMemorySpanExporter();
const records: AuditRecord[] = [];
const answers: unknown[] = [];
let flushAudit: () => Promise<void> = async () => {};

beforeAll(async () => {
  // An upstream whose every error body is full of secrets, as real ones echo requests back.
  upstream = createHttpServer((req, res) => {
    const status = req.url?.startsWith('/missing') ? 404 : req.url?.startsWith('/broken') ? 500 : 200;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: `rejected: ${ALL_PLANTED}`, echo: ALL_PLANTED }));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;

  const billing = createUpstream('billing', {
    baseUrl: upstreamUrl,
    retry: { maxAttempts: 1 },
    breaker: false,
    exposeErrorBody: [404],
  });
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const preset = production({
    tracing: { tracerProvider: provider },
    logging: { logger: requestLines.logger, logArguments: true, logResults: true },
    auth: apiKey({ keys: [{ hash: hashApiKey(CALLER_KEY), subject: 'ci-bot' }] }),
    audit: { sink: (batch) => void records.push(...batch), args: 'redact' },
  });
  const note = z.object({ note: z.string() });
  const builder = createServer({
    name: 'secrets',
    version: '1.0.0',
    logger: createLogger({ level: 'debug', write: (line) => coreLines.push(line) }),
  })
    .use(preset)
    .use(billing)
    .tool('explode', {
      description: 'Fails unexpectedly, quoting its input and a connection string',
      input: note,
      handler: ({ note }) => {
        throw new Error(`charge failed for ${note} via ${SECRETS.urlUserInfo.planted}`, {
          cause: new Error(`inner: ${ALL_PLANTED}`),
        });
      },
    })
    .tool('refuse', {
      description: 'Fails with a coded error quoting its input',
      input: note,
      handler: ({ note }) => {
        throw new McpkitError('VALIDATION_FAILED', `cannot accept ${note}`, {
          hint: `drop ${SECRETS.pwdAssignment.planted}`,
          details: { given: note },
        });
      },
    })
    .tool('charge', {
      description: 'Calls an upstream that fails with 500 and a secret-laden body',
      input: note,
      handler: async (_args, ctx) => billing.post('/broken', { ctx, json: { card: SECRETS.card.planted } }),
    })
    .tool('lookup', {
      description: 'Calls an upstream that answers 404 with a secret-laden body (exposed to the client)',
      input: note,
      handler: async (_args, ctx) => billing.get('/missing', { ctx }),
    })
    .resource(SECRETS.urlUserInfo.planted, {
      name: 'database',
      read: () => {
        throw new Error(`cannot open ${SECRETS.urlUserInfo.planted} with ${SECRETS.configSecret.planted}`);
      },
    });
  flushAudit = async () => preset.audit?.flush();
  served = await serveForTest(builder);
}, 30_000);

afterAll(async () => {
  await served?.close();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
});

/** Every place a secret could surface, as text. */
function everythingWritten(): Record<string, string[]> {
  const spans = exporter.getFinishedSpans().map((span) =>
    JSON.stringify({
      name: span.name,
      attributes: span.attributes,
      status: span.status,
      events: span.events,
    }),
  );
  return {
    'core log lines': coreLines,
    'request log lines': requestLines.raw,
    'audit records': records.map((record) => JSON.stringify(record)),
    'trace spans': spans,
    'client answers': answers.map((answer) => JSON.stringify(answer)),
  };
}

/** Calls every secret-laden path once in `era` and keeps what the clients were answered. */
async function runEra(era: 'modern' | 'legacy'): Promise<void> {
  const client = await connectTestClient(served.url, { era, headers: { 'x-api-key': CALLER_KEY } });
  for (const tool of ['explode', 'refuse', 'charge', 'lookup']) {
    answers.push(await client.callTool(tool, { note: ALL_PLANTED }));
  }
  answers.push(await client.readResource(SECRETS.urlUserInfo.planted).catch((error: unknown) => error));
  await client.close();
  // A refused caller presenting a secret as its key.
  const refused = await fetch(served.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      authorization: `Bearer ${SECRETS.github.planted}`,
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
  });
  answers.push({
    status: refused.status,
    challenge: refused.headers.get('www-authenticate'),
    body: await refused.text(),
  });
}

describe('secrets across a production() server run', () => {
  it('plants 15 kinds of secret in errors, upstream bodies, arguments and URLs (both eras) and finds 0', async () => {
    await runEra('modern');
    await runEra('legacy');
    await flushAudit();
    const written = everythingWritten();
    const found: string[] = [];
    for (const [place, texts] of Object.entries(written)) {
      for (const [kind, { leaks }] of Object.entries(SECRETS)) {
        for (const leak of leaks) {
          if (texts.some((text) => text.includes(leak))) found.push(`${kind} in ${place}`);
        }
      }
    }
    expect(Object.keys(SECRETS).length).toBeGreaterThanOrEqual(12);
    expect(found).toEqual([]);

    // The run did write what carries the secrets: the assertion above is not vacuous.
    for (const [place, texts] of Object.entries(written)) {
      expect(texts.join('\n'), `${place} show redaction at work`).toContain('[Redacted]');
    }
    const core = coreLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(core.filter((l) => l.msg === 'tool failed with an unexpected error')).toHaveLength(2);
    const upstreamLines = core.filter((l) => String(l.msg).startsWith('upstream call failed'));
    expect(upstreamLines).toHaveLength(4);
    for (const line of upstreamLines) expect(String(line.upstreamBody)).toContain('[Redacted]');
    expect(core.filter((l) => l.msg === 'request refused')).toHaveLength(2);
    const requests = requestLines.lines().filter((l) => l.msg === 'request completed');
    expect(requests.filter((l) => l.method === 'tools/call')).toHaveLength(8);
    expect(requests.some((l) => String(l.resource).startsWith('postgres://[Redacted]@db.internal'))).toBe(
      true,
    );
    expect(records).toHaveLength(8);
    expect(written['trace spans']?.length).toBeGreaterThanOrEqual(10);
    expect(answers).toHaveLength(12);
  });
});
