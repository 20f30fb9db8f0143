import {
  compose,
  createServer,
  createTelemetry,
  type Logger,
  McpkitError,
  type Next,
  RpcCode,
  type TelemetryEvents,
} from '@mcpkit/core';
import { createTestClient, expectToolError } from '@mcpkit/testing';
import { mcpkitMatchers } from '@mcpkit/testing/vitest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as z from 'zod';

expect.extend(mcpkitMatchers);

const eras = ['modern', 'legacy'] as const;

type Start = TelemetryEvents['request.start'];
type End = TelemetryEvents['request.end'];

function recordingApp() {
  const app = createServer({ name: 'telemetry', version: '1' })
    .tool('ok', {
      description: 'Succeeds',
      input: z.object({ n: z.number() }),
      handler: ({ n }) => String(n),
    })
    .tool('coded', {
      description: 'Fails with a code',
      handler: () => {
        throw new McpkitError('RATE_LIMITED', 'slow down');
      },
    })
    .tool('crash', {
      description: 'Fails unexpectedly',
      handler: () => {
        throw new Error('kaboom');
      },
    })
    .tool('manual_error', {
      description: 'Returns its own isError result',
      handler: () => ({ content: [{ type: 'text', text: 'nope' }], isError: true }),
    })
    .resource('docs://readme', { name: 'readme', read: () => 'hello' })
    .prompt('p', { description: 'p', get: () => 'p' });
  const server = app.build();
  const starts: Start[] = [];
  const ends: End[] = [];
  server.telemetry.on('request.start', (event) => starts.push(event));
  server.telemetry.on('request.end', (event) => ends.push(event));
  return { server, starts, ends };
}

describe.each(eras)('request telemetry (%s era)', (era) => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('emits request.start and request.end for a successful tool call', async () => {
    const { server, starts, ends } = recordingApp();
    const client = await createTestClient(server, { era });
    starts.length = 0;
    ends.length = 0;
    await client.callTool('ok', { n: 1 });
    expect(starts).toEqual([{ requestId: expect.any(String), method: 'tools/call', era, name: 'ok' }]);
    expect(ends).toEqual([
      {
        requestId: starts[0]!.requestId,
        method: 'tools/call',
        era,
        name: 'ok',
        durationMs: expect.any(Number),
        outcome: 'ok',
      },
    ]);
    expect(ends[0]!.durationMs).toBeGreaterThanOrEqual(0);
    expect(ends[0]!.errorCode).toBeUndefined();
    await client.close();
  });

  it('measures the duration of the request', async () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    const app = createServer({ name: 'telemetry', version: '1' }).tool('slow', {
      description: 'Takes 250 ms of (fake) time',
      handler: () => {
        vi.advanceTimersByTime(250);
        return 'done';
      },
    });
    const server = app.build();
    const ends: End[] = [];
    server.telemetry.on('request.end', (event) => ends.push(event));
    const client = await createTestClient(server, { era });
    await client.callTool('slow');
    const end = ends.find((e) => e.method === 'tools/call');
    expect(end?.durationMs).toBe(250);
    await client.close();
  });

  it('reports the structured error code of an isError tool result', async () => {
    const { server, ends } = recordingApp();
    const client = await createTestClient(server, { era });
    const payload = expectToolError(await client.callTool('coded'), 'RATE_LIMITED');
    expect(await client.callTool('crash')).toBeToolError('INTERNAL');
    expect(await client.callToolUnchecked('ok', { n: 'x' })).toBeToolError('VALIDATION_FAILED');
    const calls = ends.filter((e) => e.method === 'tools/call');
    expect(calls.map((e) => [e.name, e.outcome, e.errorCode])).toEqual([
      ['coded', 'error', 'RATE_LIMITED'],
      ['crash', 'error', 'INTERNAL'],
      ['ok', 'error', 'VALIDATION_FAILED'],
    ]);
    expect(calls[0]!.requestId).toBe(payload.requestId);
    await client.close();
  });

  it('reports TOOL_ERROR for an isError result without a structured code', async () => {
    const { server, ends } = recordingApp();
    const client = await createTestClient(server, { era });
    await client.callTool('manual_error');
    expect(ends.find((e) => e.name === 'manual_error')).toMatchObject({
      outcome: 'error',
      errorCode: 'TOOL_ERROR',
    });
    await client.close();
  });

  it('reports the JSON-RPC code of protocol errors', async () => {
    const { server, ends } = recordingApp();
    const client = await createTestClient(server, { era });
    await expect(client.callToolUnchecked('missing')).rejects.toBeDefined();
    await expect(client.readResource('docs://missing')).rejects.toBeDefined();
    await expect(client.getPrompt('missing')).rejects.toBeDefined();
    expect(ends.filter((e) => e.outcome === 'error').map((e) => [e.method, e.name, e.errorCode])).toEqual([
      ['tools/call', 'missing', String(RpcCode.INVALID_PARAMS)],
      ['resources/read', 'docs://missing', String(RpcCode.INVALID_PARAMS)],
      ['prompts/get', 'missing', String(RpcCode.INVALID_PARAMS)],
    ]);
    await client.close();
  });

  it('names the target of resources/read and prompts/get and omits the name on list methods', async () => {
    const { server, starts, ends } = recordingApp();
    const client = await createTestClient(server, { era });
    starts.length = 0;
    ends.length = 0;
    await client.listTools();
    await client.readResource('docs://readme');
    await client.getPrompt('p');
    expect(starts.map((s) => [s.method, s.name])).toEqual([
      ['tools/list', undefined],
      ['resources/read', 'docs://readme'],
      ['prompts/get', 'p'],
    ]);
    expect('name' in starts[0]!).toBe(false);
    expect(ends.every((e) => e.outcome === 'ok' && e.era === era)).toBe(true);
    await client.close();
  });

  it('pairs every start with an end for concurrent requests', async () => {
    const { server, starts, ends } = recordingApp();
    const client = await createTestClient(server, { era });
    starts.length = 0;
    ends.length = 0;
    await Promise.all([1, 2, 3, 4].map((n) => client.callTool('ok', { n })));
    expect(starts).toHaveLength(4);
    expect(new Set(ends.map((e) => e.requestId))).toEqual(new Set(starts.map((s) => s.requestId)));
    await client.close();
  });

  it('keeps serving when a listener throws, and logs the listener failure', async () => {
    const warnings: Array<Record<string, unknown>> = [];
    const logger: Logger = {
      trace: () => undefined,
      debug: () => undefined,
      info: () => undefined,
      warn: (obj) => {
        if (typeof obj === 'object') warnings.push(obj);
      },
      error: () => undefined,
      child: () => logger,
    };
    const app = createServer({ name: 'telemetry', version: '1', logger }).tool('ok', {
      description: 'ok',
      handler: () => 'fine',
    });
    const server = app.build();
    const ends: End[] = [];
    server.telemetry.on('request.start', () => {
      throw new Error('listener broke on start');
    });
    server.telemetry.on('request.end', () => {
      throw new Error('listener broke on end');
    });
    server.telemetry.on('request.end', (event) => ends.push(event));
    const client = await createTestClient(server, { era });
    const result = await client.callTool('ok');
    expect(result.isError).toBeFalsy();
    expect(result.content).toEqual([{ type: 'text', text: 'fine' }]);
    expect(ends.some((e) => e.method === 'tools/call' && e.outcome === 'ok')).toBe(true);
    expect(warnings).toContainEqual(expect.objectContaining({ event: 'request.start' }));
    expect(warnings).toContainEqual(expect.objectContaining({ event: 'request.end' }));
    await client.close();
  });

  it('emits into a telemetry channel passed to createServer', async () => {
    const telemetry = createTelemetry();
    const methods: string[] = [];
    telemetry.on('request.end', (event) => methods.push(event.method));
    const app = createServer({ name: 'telemetry', version: '1', telemetry }).tool('t', {
      description: 't',
      handler: () => 't',
    });
    expect(app.build().telemetry).toBe(telemetry);
    const client = await createTestClient(app, { era });
    await client.callTool('t');
    expect(methods).toContain('tools/call');
    await client.close();
  });
});

describe('createTelemetry', () => {
  it('delivers events to the listeners of that name only, in subscription order', () => {
    const telemetry = createTelemetry();
    const seen: string[] = [];
    telemetry.on('breaker.open', (e) => seen.push(`a:${e.name}`));
    telemetry.on('breaker.open', (e) => seen.push(`b:${e.name}`));
    telemetry.on('breaker.close', (e) => seen.push(`close:${e.name}`));
    telemetry.emit('breaker.open', { name: 'billing' });
    expect(seen).toEqual(['a:billing', 'b:billing']);
  });

  it('reports whether anyone listens with has()', () => {
    const telemetry = createTelemetry();
    expect(telemetry.has('cache.hit')).toBe(false);
    const off = telemetry.on('cache.hit', () => undefined);
    expect(telemetry.has('cache.hit')).toBe(true);
    expect(telemetry.has('cache.miss')).toBe(false);
    off();
    expect(telemetry.has('cache.hit')).toBe(false);
  });

  it('returns a disposer from on() that removes only that listener and is safe to call twice', () => {
    const telemetry = createTelemetry();
    const seen: string[] = [];
    const offA = telemetry.on('cache.miss', () => seen.push('a'));
    telemetry.on('cache.miss', () => seen.push('b'));
    offA();
    offA();
    telemetry.emit('cache.miss', { key: 'k' });
    expect(seen).toEqual(['b']);
    expect(telemetry.has('cache.miss')).toBe(true);
  });

  it('disposes only its own subscription when the same function is subscribed twice', () => {
    const telemetry = createTelemetry();
    let calls = 0;
    const listener = () => {
      calls++;
    };
    const off1 = telemetry.on('cache.miss', listener);
    telemetry.on('cache.miss', listener);
    telemetry.emit('cache.miss', { key: 'k' });
    expect(calls).toBe(2);
    off1();
    telemetry.emit('cache.miss', { key: 'k' });
    expect(calls).toBe(3);
  });

  it('lets a listener unsubscribe itself or another during an emit without skipping anyone', () => {
    const telemetry = createTelemetry();
    const seen: string[] = [];
    const offA = telemetry.on('breaker.halfOpen', () => {
      seen.push('a');
      offA();
      offB();
    });
    const offB = telemetry.on('breaker.halfOpen', () => seen.push('b'));
    telemetry.emit('breaker.halfOpen', { name: 'x' });
    expect(seen).toEqual(['a', 'b']);
    telemetry.emit('breaker.halfOpen', { name: 'x' });
    expect(seen).toEqual(['a', 'b']);
    expect(telemetry.has('breaker.halfOpen')).toBe(false);
  });

  it('isolates listener failures and hands them to onListenerError with the event name', () => {
    const failures: Array<[unknown, string]> = [];
    const telemetry = createTelemetry((error, name) => failures.push([error, name]));
    const seen: number[] = [];
    const boom = new Error('boom');
    telemetry.on('ratelimit.rejected', () => {
      throw boom;
    });
    telemetry.on('ratelimit.rejected', (e) => seen.push(e.retryAfterMs));
    expect(() => telemetry.emit('ratelimit.rejected', { key: 'ip', retryAfterMs: 100 })).not.toThrow();
    expect(seen).toEqual([100]);
    expect(failures).toEqual([[boom, 'ratelimit.rejected']]);
  });

  it('swallows listener failures when no error callback is given', () => {
    const telemetry = createTelemetry();
    telemetry.on('bulkhead.rejected', () => {
      throw new Error('ignored');
    });
    expect(() => telemetry.emit('bulkhead.rejected', { name: 'db' })).not.toThrow();
  });

  it('does nothing when emitting without listeners', () => {
    const telemetry = createTelemetry();
    expect(() =>
      telemetry.emit('upstream.retry', { upstream: 'u', attempt: 1, delayMs: 1, reason: 'r' }),
    ).not.toThrow();
  });

  it('keeps separate channels isolated', () => {
    const a = createTelemetry();
    const b = createTelemetry();
    const seen: string[] = [];
    a.on('breaker.open', () => seen.push('a'));
    b.emit('breaker.open', { name: 'x' });
    expect(seen).toEqual([]);
    expect(b.has('breaker.open')).toBe(false);
  });
});

describe('compose', () => {
  type Ctx = { log: string[] };
  type Layer = (ctx: Ctx, next: Next<string>) => Promise<string>;
  const layer =
    (name: string): Layer =>
    async (ctx, next) => {
      ctx.log.push(`${name}>`);
      const result = await next();
      ctx.log.push(`<${name}`);
      return `${name}(${result})`;
    };
  const terminal = async (ctx: Ctx) => {
    ctx.log.push('terminal');
    return 'end';
  };

  it('runs layers as an onion around the terminal', async () => {
    const run = compose([layer('a'), layer('b'), layer('c')], terminal);
    const ctx: Ctx = { log: [] };
    expect(await run(ctx)).toBe('a(b(c(end)))');
    expect(ctx.log).toEqual(['a>', 'b>', 'c>', 'terminal', '<c', '<b', '<a']);
  });

  it('returns the terminal itself when there are no layers', () => {
    expect(compose([], terminal)).toBe(terminal);
  });

  it('lets a layer short-circuit without reaching inner layers or the terminal', async () => {
    const stop: Layer = async (ctx) => {
      ctx.log.push('stop');
      return 'cached';
    };
    const run = compose([layer('a'), stop, layer('never')], terminal);
    const ctx: Ctx = { log: [] };
    expect(await run(ctx)).toBe('a(cached)');
    expect(ctx.log).toEqual(['a>', 'stop', '<a']);
  });

  it('runs a second next() call from one layer only after the first run settled', async () => {
    const events: string[] = [];
    let runs = 0;
    const slowTerminal = async (_ctx: Ctx) => {
      const run = ++runs;
      events.push(`start ${run}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
      events.push(`end ${run}`);
      return `run ${run}`;
    };
    const overlapping: Layer = async (_ctx, next) => {
      const first = next();
      const second = next();
      await first;
      return second;
    };
    const run = compose([overlapping], slowTerminal);
    await expect(run({ log: [] })).resolves.toBe('run 2');
    expect(events).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
  });

  it('runs the rest of the chain again when a layer calls next() after the first call settled', async () => {
    const twice: Layer = async (_ctx, next) => {
      await next();
      return next();
    };
    const run = compose([twice], terminal);
    const ctx: Ctx = { log: [] };
    await run(ctx);
    expect(ctx.log).toEqual(['terminal', 'terminal']);
  });

  it('turns a synchronous throw in a layer into a rejection', async () => {
    const sync = ((_ctx: Ctx) => {
      throw new McpkitError('FORBIDDEN', 'sync');
    }) as unknown as Layer;
    const run = compose([sync], terminal);
    let promise: Promise<string> | undefined;
    expect(() => {
      promise = run({ log: [] });
    }).not.toThrow();
    await expect(promise).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('propagates errors from inner layers outward, where outer layers can handle them', async () => {
    const recover: Layer = async (_ctx, next) => {
      try {
        return await next();
      } catch (error) {
        return `recovered from ${(error as Error).message}`;
      }
    };
    const failing = async () => {
      throw new Error('terminal failed');
    };
    expect(await compose([recover, layer('inner')], failing)({ log: [] })).toBe(
      'recovered from terminal failed',
    );
  });

  it('can be called many times and concurrently with independent state per call', async () => {
    const run = compose([layer('a'), layer('b')], terminal);
    const contexts = [{ log: [] }, { log: [] }, { log: [] }] as Ctx[];
    const results = await Promise.all(contexts.map((ctx) => run(ctx)));
    expect(results).toEqual(['a(b(end))', 'a(b(end))', 'a(b(end))']);
    for (const ctx of contexts) expect(ctx.log).toEqual(['a>', 'b>', 'terminal', '<b', '<a']);
  });
});
