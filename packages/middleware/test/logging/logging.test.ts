import { createServer, McpkitError, type Middleware } from '@mcpkit/core';
import { type LoggingOptions, logging, requestId } from '@mcpkit/middleware';
import { connectTestClient, createTestClient, serveForTest, type TestServer } from '@mcpkit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { captureLogger } from '../fixtures/capture-logger.js';

let served: TestServer | undefined;
afterEach(async () => {
  await served?.close();
  served = undefined;
});

const signIn: Middleware = (ctx, next) => {
  ctx.auth = { subject: 'user-42', scopes: [] };
  return next();
};

const makeServer = (options: LoggingOptions) =>
  createServer({ name: 'logs', version: '1.0.0' })
    .use(requestId())
    .use(logging(options))
    .use(signIn)
    .tool('pay', {
      description: 'Pays with a card',
      input: z.object({ note: z.string(), apiKey: z.string(), card: z.string(), amount: z.number() }),
      handler: ({ amount }) => JSON.stringify({ charged: amount, receipt: 'Bearer zzTOPsecretRECEIPT99' }),
    })
    .tool('refuse', {
      description: 'Always refuses',
      handler: () => {
        throw new McpkitError('FORBIDDEN', 'Not for you.');
      },
    })
    .tool('crash', {
      description: 'Fails unexpectedly',
      handler: () => {
        throw new Error('db password=letmein exploded');
      },
    })
    .resource('config://app', { name: 'config', description: 'Config', read: () => 'ok' });

const BEARER = 'Bearer abcDEF123456ghiJKLmno';
const API_KEY = 'sk_live_51HyQwLKj2nB7xQ9pLmN0rS';
const CARD = '4242 4242 4242 4242';

describe('logging()', () => {
  it('never prints a bearer token, an API key or a card number from arguments, over HTTP (acceptance 2)', async () => {
    const capture = captureLogger();
    served = await serveForTest(makeServer({ logger: capture.logger, logArguments: true, logResults: true }));
    let calls = 0;
    for (const era of ['modern', 'legacy'] as const) {
      const client = await connectTestClient(served.url, { era, headers: { 'x-request-id': `acc-${era}` } });
      for (let i = 0; i < 5; i++) {
        await client.callTool('pay', {
          note: `charge with ${BEARER}`,
          apiKey: API_KEY,
          card: CARD,
          amount: i,
        });
        calls++;
      }
      await client.close();
    }
    const lines = capture.lines().filter((line) => line.tool === 'pay');
    const all = capture.raw.join('');
    const leaks = [BEARER.slice(7), API_KEY, CARD, '4242424242424242', 'zzTOPsecretRECEIPT99'].filter((s) =>
      all.includes(s),
    ).length;
    const withIdAndDuration = lines.filter(
      (line) => typeof line.requestId === 'string' && typeof line.durationMs === 'number',
    ).length;
    console.log(
      `[acceptance 2] logs: ${lines.length} tool lines for ${calls} HTTP calls, ${withIdAndDuration} with requestId+durationMs, secret leaks: ${leaks}`,
    );
    expect(lines).toHaveLength(calls);
    expect(withIdAndDuration).toBe(calls);
    expect(leaks).toBe(0);
    expect(lines[0]).toMatchObject({
      requestId: 'acc-modern',
      method: 'tools/call',
      tool: 'pay',
      outcome: 'ok',
      callerId: 'user-42',
      args: { note: 'charge with [Redacted]', apiKey: '[Redacted]', card: '[Redacted]', amount: 0 },
    });
    expect(lines.at(-1)).toMatchObject({ requestId: 'acc-legacy', era: 'legacy' });
  });

  it('logs no arguments or results unless asked', async () => {
    const capture = captureLogger();
    const client = await createTestClient(makeServer({ logger: capture.logger }));
    await client.callTool('pay', { note: 'x', apiKey: 'y', card: 'z', amount: 1 });
    await client.close();
    const line = capture.lines().find((l) => l.tool === 'pay');
    expect(line).toBeDefined();
    expect(line).not.toHaveProperty('args');
    expect(line).not.toHaveProperty('result');
    expect(line?.level).toBe(30);
    expect(line?.msg).toBe('request completed');
  });

  it('records coded failures at warn with their code, unexpected ones at error without leaking secrets', async () => {
    const capture = captureLogger();
    const client = await createTestClient(makeServer({ logger: capture.logger }));
    await client.callTool('refuse');
    await client.callTool('crash');
    await client.callToolUnchecked('pay', { amount: 'not a number' });
    await client.close();
    const byTool = Object.fromEntries(
      capture
        .lines()
        .filter((l) => l.tool)
        .map((l) => [l.tool, l]),
    );
    expect(byTool.refuse).toMatchObject({ level: 40, outcome: 'error', errorCode: 'FORBIDDEN' });
    expect(byTool.crash).toMatchObject({ level: 50, outcome: 'error', errorCode: 'INTERNAL' });
    expect(JSON.stringify(byTool.crash)).not.toContain('letmein');
    expect(byTool.pay).toMatchObject({ outcome: 'error', errorCode: 'VALIDATION_FAILED' });
  });

  it('names resources and list methods, and applies extra pino redaction paths', async () => {
    const capture = captureLogger();
    const client = await createTestClient(
      makeServer({ logger: capture.logger, logArguments: true, redact: ['args.note'] }),
    );
    await client.readResource('config://app');
    await client.listTools();
    await client.callTool('pay', { note: 'private words', apiKey: 'k', card: 'c', amount: 2 });
    await client.close();
    const lines = capture.lines();
    expect(lines.find((l) => l.method === 'resources/read')).toMatchObject({ resource: 'config://app' });
    expect(lines.find((l) => l.method === 'tools/list')).toMatchObject({ outcome: 'ok' });
    expect(lines.find((l) => l.tool === 'pay')?.args).toMatchObject({ note: '[Redacted]', amount: 2 });
  });

  it('carries the caller trace id from _meta.traceparent when tracing is not installed', async () => {
    const capture = captureLogger();
    const client = await createTestClient(makeServer({ logger: capture.logger }));
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await client.callTool('refuse', {}, { meta: { traceparent } });
    await client.close();
    expect(capture.lines().find((l) => l.tool === 'refuse')).toMatchObject({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    });
  });

  it('keeps every field on the line for tools past its bound of child loggers', async () => {
    const capture = captureLogger();
    const server = createServer({ name: 'many', version: '1.0.0' }).use(logging({ logger: capture.logger }));
    for (let i = 0; i <= 1000; i++)
      server.tool(`tool-${i}`, { description: `Tool ${i}`, handler: () => 'ok' });
    const client = await createTestClient(server);
    for (let i = 0; i <= 1000; i++) await client.callTool(`tool-${i}`);
    await client.close();
    const lines = capture.lines().filter((l) => l.method === 'tools/call');
    expect(lines).toHaveLength(1001);
    expect(lines.at(-1)).toMatchObject({
      method: 'tools/call',
      tool: 'tool-1000',
      era: 'modern',
      outcome: 'ok',
    });
    expect(lines.at(-2)).toMatchObject({
      method: 'tools/call',
      tool: 'tool-999',
      era: 'modern',
      outcome: 'ok',
    });
  });

  it("follows the logger's level when it changes at run time", async () => {
    const capture = captureLogger('warn');
    const client = await createTestClient(makeServer({ logger: capture.logger }));
    await client.callTool('pay', { note: 'a', apiKey: 'k', card: 'c', amount: 1 });
    capture.logger.level = 'info';
    await client.callTool('pay', { note: 'b', apiKey: 'k', card: 'c', amount: 2 });
    capture.logger.level = 'error';
    await client.callTool('pay', { note: 'c', apiKey: 'k', card: 'c', amount: 3 });
    await client.close();
    expect(capture.lines().filter((l) => l.tool === 'pay')).toHaveLength(1);
  });

  it('skips building lines the logger level would discard', async () => {
    const capture = captureLogger('warn');
    const client = await createTestClient(makeServer({ logger: capture.logger }));
    await client.callTool('pay', { note: 'x', apiKey: 'y', card: 'z', amount: 1 });
    await client.callTool('refuse');
    await client.close();
    expect(capture.lines().map((l) => l.tool)).toEqual(['refuse']);
  });
});
