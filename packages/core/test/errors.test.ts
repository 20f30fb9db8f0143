import {
  createLogger,
  createServer,
  ErrorCode,
  isMcpkitError,
  type Logger,
  McpkitError,
  RpcCode,
  textContent,
  toErrorPayload,
  toMcpkitError,
} from '@mcpkit/core';
import { createTestClient, expectToolError, resultText } from '@mcpkit/testing';
import { describeEachClient, mcpkitMatchers } from '@mcpkit/testing/vitest';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';

expect.extend(mcpkitMatchers);

const eras = ['modern', 'legacy'] as const;

/** One call to a captured logger: its level, the bindings of its (child) logger, the object and the message. */
interface LogEntry {
  level: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  bindings: Record<string, unknown>;
  fields: Record<string, unknown>;
  msg: string | undefined;
}

/** A Logger that keeps every call in `entries`, children included. */
function capturingLogger(): Logger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const make = (bindings: Record<string, unknown>): Logger => {
    const at =
      (level: LogEntry['level']) =>
      (objOrMsg: Record<string, unknown> | string, msg?: string): void => {
        if (typeof objOrMsg === 'string') entries.push({ level, bindings, fields: {}, msg: objOrMsg });
        else entries.push({ level, bindings, fields: objOrMsg, msg });
      };
    return {
      trace: at('trace'),
      debug: at('debug'),
      info: at('info'),
      warn: at('warn'),
      error: at('error'),
      child: (more) => make({ ...bindings, ...more }),
    };
  };
  return Object.assign(make({}), { entries });
}

/** The request id a log entry carries, from its child bindings or its own fields. */
function requestIdOf(entry: LogEntry): unknown {
  return entry.bindings.requestId ?? entry.fields.requestId;
}

const SECRET_MESSAGE = 'db password=hunter2 at /srv/app.js:12';
/** What the log keeps of {@link SECRET_MESSAGE}: everything but the secret. */
const LOGGED_MESSAGE = 'db password=[Redacted] at /srv/app.js:12';
const LEAKS = ['hunter2', 'password', '/srv/app.js', 'at Object.', 'node:internal', '.ts:'];

function expectNoLeak(value: unknown): void {
  const wire = JSON.stringify(value);
  for (const leak of LEAKS) expect(wire).not.toContain(leak);
}

describe.each(eras)('unknown exceptions in tools (%s era)', (era) => {
  const setup = () => {
    const logger = capturingLogger();
    const app = createServer({ name: 'errors', version: '1', logger })
      .tool('explode', {
        description: 'Throws an unexpected error',
        handler: () => {
          throw new Error(SECRET_MESSAGE);
        },
      })
      .tool('explode_async', {
        description: 'Rejects with an unexpected error',
        handler: async () => {
          await Promise.resolve();
          throw new TypeError(SECRET_MESSAGE);
        },
      })
      .tool('throw_string', {
        description: 'Throws a bare string',
        handler: () => {
          throw SECRET_MESSAGE;
        },
      })
      .tool('throw_object', {
        description: 'Throws a plain object with an upstream body',
        handler: () => {
          throw { status: 500, body: SECRET_MESSAGE };
        },
      });
    return { logger, app };
  };

  it.each(['explode', 'explode_async', 'throw_string', 'throw_object'] as const)(
    'turns %s into INTERNAL with a generic message',
    async (tool) => {
      const { app } = setup();
      const client = await createTestClient(app, { era });
      const result = await client.callTool(tool);
      const error = expectToolError(result, 'INTERNAL');
      expect(error.message).toBe('The server failed while handling this request.');
      expect(error.retryable).toBe(false);
      expect(error.hint).toMatch(/request id/i);
      expect(error.details).toBeUndefined();
      expect(resultText(result)).toContain('Error INTERNAL: The server failed while handling this request.');
      await client.close();
    },
  );

  it('leaks no stack, secret or exception message in content text nor structuredContent', async () => {
    const { app } = setup();
    const client = await createTestClient(app, { era });
    for (const tool of ['explode', 'explode_async', 'throw_string', 'throw_object'] as const) {
      const result = await client.callTool(tool);
      expect(result.isError).toBe(true);
      expectNoLeak(result.content);
      expectNoLeak(result.structuredContent);
      expectNoLeak(result);
    }
    await client.close();
  });

  it('logs the original error, secrets redacted, with the request id the client was given', async () => {
    const { app, logger } = setup();
    const client = await createTestClient(app, { era });
    const error = expectToolError(await client.callTool('explode'), 'INTERNAL');
    const logged = logger.entries.filter((e) => e.level === 'error');
    expect(logged).toHaveLength(1);
    const entry = logged[0]!;
    expect(requestIdOf(entry)).toBe(error.requestId);
    const err = entry.fields.err as { type: string; message: string; stack: string };
    expect(err.type).toBe('Error');
    expect(err.message).toBe(LOGGED_MESSAGE);
    expect(err.stack).toContain(`Error: ${LOGGED_MESSAGE}`);
    expect(JSON.stringify(entry)).not.toContain('hunter2');
    expect(entry.fields.tool).toBe('explode');
    await client.close();
  });

  it('writes the error message and stack, secrets redacted, to a JSON-lines logger from createLogger', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', write: (line) => lines.push(line) });
    const app = createServer({ name: 'errors', version: '1', logger }).tool('explode', {
      description: 'Throws',
      handler: () => {
        throw new Error(SECRET_MESSAGE);
      },
    });
    const client = await createTestClient(app, { era });
    const error = expectToolError(await client.callTool('explode'), 'INTERNAL');
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const record = records.find((r) => r.level === 'error');
    expect(record).toMatchObject({
      requestId: error.requestId,
      tool: 'explode',
      err: { type: 'Error', message: LOGGED_MESSAGE, stack: expect.stringContaining(LOGGED_MESSAGE) },
    });
    expect(lines.join('\n')).not.toContain('hunter2');
    await client.close();
  });

  it('gives every failed call its own request id', async () => {
    const { app } = setup();
    const client = await createTestClient(app, { era });
    const first = expectToolError(await client.callTool('explode'), 'INTERNAL');
    const second = expectToolError(await client.callTool('explode'), 'INTERNAL');
    expect(first.requestId).not.toBe(second.requestId);
    await client.close();
  });

  it('never sends the cause of a coded error to the client but logs the coded failure at debug', async () => {
    const logger = capturingLogger();
    const app = createServer({ name: 'errors', version: '1', logger }).tool('upstream', {
      description: 'Wraps an upstream failure',
      handler: () => {
        throw new McpkitError('UPSTREAM_ERROR', 'The billing service failed.', {
          cause: new Error(`upstream body: ${SECRET_MESSAGE}`),
        });
      },
    });
    const client = await createTestClient(app, { era });
    const result = await client.callTool('upstream');
    const error = expectToolError(result, 'UPSTREAM_ERROR');
    expect(error.message).toBe('The billing service failed.');
    expectNoLeak(result);
    const warning = logger.entries.find((e) => e.level === 'debug');
    expect(warning).toMatchObject({ fields: { code: 'UPSTREAM_ERROR', tool: 'upstream' } });
    expect(requestIdOf(warning!)).toBe(error.requestId);
    await client.close();
  });
});

describe.each(eras)('unknown exceptions outside tools (%s era)', (era) => {
  it('turns an unexpected error in a resource reader into a generic JSON-RPC internal error, logged with the request id', async () => {
    const logger = capturingLogger();
    const app = createServer({ name: 'errors', version: '1', logger }).resource('db://rows', {
      name: 'rows',
      read: () => {
        throw new Error(SECRET_MESSAGE);
      },
    });
    const client = await createTestClient(app, { era });
    const failure = await client.readResource('db://rows').then(
      () => undefined,
      (error: unknown) => error as { code: number; message: string; data?: { requestId?: string } },
    );
    expect(failure).toMatchObject({ code: RpcCode.INTERNAL_ERROR, data: { code: 'INTERNAL' } });
    expect(failure?.message).toContain('The server failed while handling this request.');
    expectNoLeak({ message: failure?.message, data: failure?.data });
    const logged = logger.entries.find((e) => e.level === 'error');
    expect(logged).toBeDefined();
    expect((logged!.fields.err as { message: string }).message).toBe(LOGGED_MESSAGE);
    expect(requestIdOf(logged!)).toBe(failure?.data?.requestId);
    await client.close();
  });

  it('turns an unexpected error in a prompt into a generic JSON-RPC internal error', async () => {
    const app = createServer({ name: 'errors', version: '1', logger: capturingLogger() }).prompt('p', {
      description: 'Fails',
      get: () => {
        throw new Error(SECRET_MESSAGE);
      },
    });
    const client = await createTestClient(app, { era });
    const failure = await client.getPrompt('p').catch((error: unknown) => error as Record<string, unknown>);
    expect(failure).toMatchObject({ code: RpcCode.INTERNAL_ERROR });
    expectNoLeak({ message: failure?.message, data: failure?.data });
    await client.close();
  });
});

describe.each(eras)('validation errors (%s era)', (era) => {
  const app = createServer({ name: 'validation', version: '1', logger: capturingLogger() })
    .tool('create_order', {
      description: 'Creates an order',
      input: z.object({
        customer: z.object({ email: z.email(), name: z.string().min(1) }),
        items: z.array(z.object({ sku: z.string(), qty: z.number().int().positive() })).min(1),
        note: z.string().optional(),
      }),
      handler: () => 'created',
    })
    .tool('needs_a', {
      description: 'Needs a',
      input: z.object({ a: z.string() }),
      handler: ({ a }) => a,
    });

  it('names every offending field path in the message and in details.issues', async () => {
    const client = await createTestClient(app, { era });
    const result = await client.callTool('create_order', {
      customer: { email: 'not-an-email', name: '' },
      items: [
        { sku: 'A', qty: 1 },
        { sku: 'B', qty: -2 },
      ],
    });
    const error = expectToolError(result, 'VALIDATION_FAILED');
    expect(error.retryable).toBe(false);
    for (const path of ['customer.email', 'customer.name', 'items.1.qty']) {
      expect(error.message).toContain(path);
    }
    expect(error.message).toContain('arguments for tool "create_order"');
    const issues = (error.details as { issues: Array<{ path: string; message: string }> }).issues;
    expect(issues.map((i) => i.path).sort()).toEqual(['customer.email', 'customer.name', 'items.1.qty']);
    for (const issue of issues) expect(issue.message.length).toBeGreaterThan(0);
    expect(error.hint).toContain('customer.email');
    expect(resultText(result)).toContain('Error VALIDATION_FAILED');
    await client.close();
  });

  it('reports missing required fields and wrong types', async () => {
    const client = await createTestClient(app, { era });
    const error = expectToolError(
      await client.callToolUnchecked('create_order', { items: 'none' }),
      'VALIDATION_FAILED',
    );
    const paths = (error.details as { issues: Array<{ path: string }> }).issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['customer', 'items']));
    await client.close();
  });

  it('does not run the handler with invalid arguments', async () => {
    let ran = false;
    const guarded = createServer({ name: 'validation', version: '1', logger: capturingLogger() }).tool('t', {
      description: 't',
      input: z.object({ n: z.number() }),
      handler: () => {
        ran = true;
        return 'ran';
      },
    });
    const client = await createTestClient(guarded, { era });
    expect(await client.callToolUnchecked('t', { n: 'x' })).toBeToolError('VALIDATION_FAILED');
    expect(ran).toBe(false);
    await client.close();
  });

  it('reports invalid prompt arguments as a JSON-RPC invalid-params error with the issues', async () => {
    const prompts = createServer({ name: 'validation', version: '1' }).prompt('summarize', {
      description: 'Summarizes',
      args: z.object({ text: z.string(), style: z.enum(['short', 'long']) }),
      get: ({ text }) => text,
    });
    const client = await createTestClient(prompts, { era });
    await expect(client.getPrompt('summarize', { text: 'x', style: 'medium' })).rejects.toMatchObject({
      code: RpcCode.INVALID_PARAMS,
      message: expect.stringContaining('style'),
      data: { issues: [{ path: 'style', message: expect.any(String) }] },
    });
    await client.close();
  });
});

const codedApp = createServer({ name: 'coded', version: '1', logger: capturingLogger() }).tool('fail_with', {
  description: 'Throws the coded error it is asked for',
  input: z.object({
    code: z.enum(Object.values(ErrorCode) as [ErrorCode, ...ErrorCode[]]),
    retryable: z.boolean().optional(),
    retryAfterMs: z.number().optional(),
    hint: z.string().optional(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
  handler: ({ code, ...options }) => {
    throw new McpkitError(code, `failure ${code}`, options);
  },
});

// In process and over Streamable HTTP, in both eras.
describeEachClient('coded errors reach the client', { server: codedApp }, (run) => {
  const retryableByDefault: Record<ErrorCode, boolean> = {
    VALIDATION_FAILED: false,
    NOT_FOUND: false,
    UNAUTHORIZED: false,
    FORBIDDEN: false,
    RATE_LIMITED: true,
    CONFLICT: false,
    UPSTREAM_TIMEOUT: true,
    UPSTREAM_UNAVAILABLE: true,
    UPSTREAM_ERROR: false,
    CIRCUIT_OPEN: true,
    INTERNAL: false,
  };

  it.each(Object.entries(retryableByDefault))('marks %s retryable=%s by default', async (code, retryable) => {
    const client = run.client;
    const error = expectToolError(
      await client.callTool('fail_with', { code: code as ErrorCode }),
      code as ErrorCode,
    );
    expect(error).toEqual({ code, message: `failure ${code}`, requestId: expect.any(String), retryable });
  });

  it('carries retryAfterMs, hint and details into structuredContent.error and readable text', async () => {
    const client = run.client;
    const result = await client.callTool('fail_with', {
      code: 'RATE_LIMITED',
      retryAfterMs: 1500,
      hint: 'Wait a moment.',
      details: { limit: 10, window: '1m' },
    });
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toEqual({
      error: {
        code: 'RATE_LIMITED',
        message: 'failure RATE_LIMITED',
        requestId: expect.any(String),
        retryable: true,
        retryAfterMs: 1500,
        hint: 'Wait a moment.',
        details: { limit: 10, window: '1m' },
      },
    });
    expect(resultText(result)).toBe(
      'Error RATE_LIMITED: failure RATE_LIMITED\nHint: Wait a moment.\nRetry after 1500 ms.',
    );
  });

  it('lets the thrower override the retry verdict either way', async () => {
    const client = run.client;
    const notRetryable = expectToolError(
      await client.callTool('fail_with', { code: 'UPSTREAM_TIMEOUT', retryable: false }),
      'UPSTREAM_TIMEOUT',
    );
    expect(notRetryable.retryable).toBe(false);
    const retryable = await client.callTool('fail_with', { code: 'CONFLICT', retryable: true });
    expect(expectToolError(retryable, 'CONFLICT').retryable).toBe(true);
    expect(resultText(retryable)).toBe('Error CONFLICT: failure CONFLICT\nThis call may be retried.');
  });

  it('renders a non-retryable error as one readable line', async () => {
    const client = run.client;
    const result = await client.callTool('fail_with', { code: 'NOT_FOUND' });
    expect(result.content).toEqual([{ type: 'text', text: 'Error NOT_FOUND: failure NOT_FOUND' }]);
  });
});

describe.each(eras)('protocol errors (%s era)', (era) => {
  const app = createServer({ name: 'protocol', version: '1', logger: capturingLogger() })
    .tool('known', { description: 'k', handler: () => 'k' })
    .prompt('known_prompt', { description: 'p', get: () => 'p' })
    .resource('notes://{id}', {
      name: 'note',
      read: (_uri, { id }) => {
        if (id === 'missing') throw new McpkitError('NOT_FOUND', `Note ${id} does not exist.`);
        if (id === 'locked')
          throw new McpkitError('FORBIDDEN', 'Note is locked.', { hint: 'Ask the owner.' });
        return `note ${id}`;
      },
    });

  it('rejects a call to an unknown tool with a JSON-RPC error instead of an isError result', async () => {
    const client = await createTestClient(app, { era });
    await expect(client.callToolUnchecked('nope')).rejects.toMatchObject({
      code: RpcCode.INVALID_PARAMS,
      message: expect.stringContaining('Unknown tool: nope'),
      data: { hint: expect.stringContaining('tools/list') },
    });
    await client.close();
  });

  it('rejects an unknown prompt with a JSON-RPC error', async () => {
    const client = await createTestClient(app, { era });
    await expect(client.getPrompt('nope')).rejects.toMatchObject({
      code: RpcCode.INVALID_PARAMS,
      message: expect.stringContaining('Unknown prompt: nope'),
    });
    await client.close();
  });

  it('rejects an unknown resource with a JSON-RPC error whose data names the URI', async () => {
    const client = await createTestClient(app, { era });
    await expect(client.readResource('unknown://thing')).rejects.toMatchObject({
      message: expect.stringContaining('Resource not found'),
      data: { uri: 'unknown://thing' },
    });
    await client.close();
  });

  it('turns a NOT_FOUND McpkitError from a resource reader into an invalid-params JSON-RPC error with the payload', async () => {
    const client = await createTestClient(app, { era });
    await expect(client.readResource('notes://missing')).rejects.toMatchObject({
      code: RpcCode.INVALID_PARAMS,
      message: expect.stringContaining('Note missing does not exist.'),
      data: {
        code: 'NOT_FOUND',
        message: 'Note missing does not exist.',
        retryable: false,
        requestId: expect.any(String),
      },
    });
    await client.close();
  });

  it('turns a refusal from a resource reader into -32600 (as the HTTP edge answers it) carrying code and hint', async () => {
    const client = await createTestClient(app, { era });
    await expect(client.readResource('notes://locked')).rejects.toMatchObject({
      code: RpcCode.INVALID_REQUEST,
      message: expect.stringContaining('Note is locked.'),
      data: { code: 'FORBIDDEN', hint: 'Ask the owner.' },
    });
    await client.close();
  });

  it('answers a templated URI with malformed percent-encoding as a client error, not an internal failure', async () => {
    const client = await createTestClient(app, { era });
    await expect(client.readResource('notes://%E0%A4%A')).rejects.toMatchObject({
      code: RpcCode.INVALID_PARAMS,
    });
    await client.close();
  });

  it('turns a McpkitError from a prompt into a JSON-RPC error carrying its payload', async () => {
    const prompts = createServer({ name: 'protocol', version: '1' }).prompt('gated', {
      description: 'Gated',
      get: () => {
        throw new McpkitError('NOT_FOUND', 'No such template.', { hint: 'List prompts.' });
      },
    });
    const client = await createTestClient(prompts, { era });
    await expect(client.getPrompt('gated')).rejects.toMatchObject({
      code: RpcCode.INVALID_PARAMS,
      message: expect.stringContaining('No such template.'),
      data: { code: 'NOT_FOUND', hint: 'List prompts.' },
    });
    await client.close();
  });

  it('keeps serving after protocol errors', async () => {
    const client = await createTestClient(app, { era });
    await expect(client.callToolUnchecked('nope')).rejects.toBeDefined();
    expect(resultText(await client.callTool('known'))).toBe('k');
    expect((await client.readResource('notes://ok')).contents[0]).toMatchObject({ text: 'note ok' });
    await client.close();
  });
});

describe.each(eras)('output schemas and errors (%s era)', (era) => {
  const app = createServer({ name: 'output', version: '1', logger: capturingLogger() }).tool('lookup', {
    description: 'Looks up a price',
    input: z.object({ sku: z.string() }),
    output: z.object({ price: z.number(), currency: z.string() }),
    handler: ({ sku }) => {
      if (sku === 'gone') throw new McpkitError('NOT_FOUND', `No product ${sku}`);
      if (sku === 'boom') throw new Error(SECRET_MESSAGE);
      if (sku === 'manual') return { content: [textContent('handled')], isError: true };
      return { price: 9.5, currency: 'EUR' };
    },
  });

  it('does not apply the output schema to coded error results', async () => {
    const client = await createTestClient(app, { era });
    // Listing first makes the SDK client validate structuredContent against the output schema.
    await client.listTools();
    const ok = await client.callTool('lookup', { sku: 'a' });
    expect(ok.structuredContent).toEqual({ price: 9.5, currency: 'EUR' });
    const error = expectToolError(await client.callTool('lookup', { sku: 'gone' }), 'NOT_FOUND');
    expect(error.message).toBe('No product gone');
    expect(await client.callTool('lookup', { sku: 'boom' })).toBeToolError('INTERNAL');
    await client.close();
  });

  it('does not apply the output schema to validation failures or handler-built error results', async () => {
    const client = await createTestClient(app, { era });
    await client.listTools();
    expect(await client.callToolUnchecked('lookup', { sku: 42 })).toBeToolError('VALIDATION_FAILED');
    const manual = await client.callTool('lookup', { sku: 'manual' });
    expect(manual.isError).toBe(true);
    expect(manual.structuredContent).toBeUndefined();
    expect(resultText(manual)).toBe('handled');
    await client.close();
  });
});

describe.each(eras)('output schemas on success (%s era)', (era) => {
  it('never sends structuredContent that violates the output schema', async () => {
    const app = createServer({ name: 'output', version: '1', logger: capturingLogger() }).tool('broken', {
      description: 'Returns a value that does not match its output schema',
      output: z.object({ price: z.number() }),
      handler: () => ({ price: 'free' }) as never,
    });
    const client = await createTestClient(app, { era });
    await client.listTools();
    const result = await client.callTool('broken');
    expect(result.structuredContent).not.toEqual({ price: 'free' });
    expectToolError(result);
    await client.close();
  });
});

describe('error helpers', () => {
  it('keeps McpkitErrors as they are and wraps anything else as INTERNAL with the cause', () => {
    const coded = new McpkitError('CONFLICT', 'taken');
    expect(toMcpkitError(coded)).toBe(coded);
    const cause = new Error(SECRET_MESSAGE);
    const wrapped = toMcpkitError(cause);
    expect(wrapped).toMatchObject({ code: 'INTERNAL', retryable: false });
    expect(wrapped.message).not.toContain('hunter2');
    expect(wrapped.cause).toBe(cause);
  });

  it('recognises McpkitErrors from another copy of the package by name', () => {
    const foreign = Object.assign(new Error('x'), { name: 'McpkitError', code: 'NOT_FOUND' });
    expect(isMcpkitError(foreign)).toBe(true);
    expect(isMcpkitError(new Error('x'))).toBe(false);
    expect(isMcpkitError('McpkitError')).toBe(false);
    expect(isMcpkitError(null)).toBe(false);
  });

  it('builds a payload with only the optional fields that are set and never the cause', () => {
    const payload = toErrorPayload(
      new McpkitError('UPSTREAM_TIMEOUT', 'slow', { cause: new Error('secret') }),
      'req-1',
    );
    expect(payload).toEqual({
      code: 'UPSTREAM_TIMEOUT',
      message: 'slow',
      requestId: 'req-1',
      retryable: true,
    });
  });

  it('is an Error with a stable name and code', () => {
    const error = new McpkitError('FORBIDDEN', 'no');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('McpkitError');
    expect(error.code).toBe(ErrorCode.FORBIDDEN);
    expect(error.retryAfterMs).toBeUndefined();
    expect(error.hint).toBeUndefined();
  });
});
