import { createServer, McpkitError, type Middleware } from '@mcpkit/core';
import { createTestClient, expectToolError, resultText } from '@mcpkit/testing';
import { mcpkitMatchers } from '@mcpkit/testing/vitest';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';

expect.extend(mcpkitMatchers);

declare module '@mcpkit/core' {
  interface ContextState {
    /** Set by a test middleware and read by inner layers. */
    tenant: string;
    /** Layers record themselves here on the way in. */
    trail: string[];
  }
}

const eras = ['modern', 'legacy'] as const;

/** A middleware that records `name` when entering and leaving, in `log`. */
function tracer(log: string[], name: string): Middleware {
  return async (_ctx, next) => {
    log.push(`${name}:in`);
    const result = await next();
    log.push(`${name}:out`);
    return result;
  };
}

describe.each(eras)('middleware order (%s era)', (era) => {
  it('runs global, method-scoped and per-tool layers as an onion in registration order', async () => {
    const log: string[] = [];
    const app = createServer({ name: 'onion', version: '1' })
      .use(tracer(log, 'global-1'))
      .use('tools/call', async (_ctx, next) => {
        log.push('tools-call:in');
        const result = await next();
        log.push('tools-call:out');
        return result;
      })
      .use(tracer(log, 'global-2'))
      .tool('work', {
        description: 'Does work',
        use: [
          async (_ctx, next) => {
            log.push('tool-1:in');
            const result = await next();
            log.push('tool-1:out');
            return result;
          },
          async (_ctx, next) => {
            log.push('tool-2:in');
            const result = await next();
            log.push('tool-2:out');
            return result;
          },
        ],
        handler: () => {
          log.push('handler');
          return 'done';
        },
      });
    const client = await createTestClient(app, { era });
    const result = await client.callTool('work');
    expect(resultText(result)).toBe('done');
    expect(log).toEqual([
      'global-1:in',
      'tools-call:in',
      'global-2:in',
      'tool-1:in',
      'tool-2:in',
      'handler',
      'tool-2:out',
      'tool-1:out',
      'global-2:out',
      'tools-call:out',
      'global-1:out',
    ]);
    await client.close();
  });

  it('runs per-tool middleware inside the global chain even when registered before it', async () => {
    const log: string[] = [];
    const app = createServer({ name: 'onion', version: '1' })
      .tool('work', {
        description: 'Does work',
        use: [tracer(log, 'per-tool') as Middleware<'tools/call'>],
        handler: () => {
          log.push('handler');
          return 'done';
        },
      })
      .use(tracer(log, 'global'));
    const client = await createTestClient(app, { era });
    await client.callTool('work');
    expect(log).toEqual(['global:in', 'per-tool:in', 'handler', 'per-tool:out', 'global:out']);
    await client.close();
  });

  it('runs per-tool middleware only for its own tool', async () => {
    const log: string[] = [];
    const app = createServer({ name: 'onion', version: '1' })
      .tool('guarded', {
        description: 'Has middleware',
        use: [tracer(log, 'guard') as Middleware<'tools/call'>],
        handler: () => 'guarded',
      })
      .tool('open', { description: 'Has none', handler: () => 'open' });
    const client = await createTestClient(app, { era });
    await client.callTool('open');
    expect(log).toEqual([]);
    await client.callTool('guarded');
    expect(log).toEqual(['guard:in', 'guard:out']);
    await client.close();
  });

  it('runs method-scoped middleware only for the methods it names', async () => {
    const seen: string[] = [];
    const app = createServer({ name: 'scoped', version: '1' })
      .use(['tools/list', 'prompts/list'], async (ctx, next) => {
        seen.push(ctx.method);
        return next();
      })
      .tool('t', { description: 't', handler: () => 'ok' })
      .prompt('p', { description: 'p', get: () => 'p' });
    const client = await createTestClient(app, { era });
    await client.listTools();
    await client.callTool('t');
    await client.listPrompts();
    await client.getPrompt('p');
    expect(seen).toEqual(['tools/list', 'prompts/list']);
    await client.close();
  });

  it('runs global middleware for every served method', async () => {
    const seen: string[] = [];
    const app = createServer({ name: 'global', version: '1' })
      .use(async (ctx, next) => {
        seen.push(`${ctx.method}${ctx.name ? ` ${ctx.name}` : ''}`);
        return next();
      })
      .tool('t', { description: 't', handler: () => 'ok' })
      .resource('r://x', { name: 'x', read: () => 'x' })
      .prompt('p', { description: 'p', get: () => 'p' });
    const client = await createTestClient(app, { era });
    await client.listTools();
    await client.callTool('t');
    await client.listResources();
    await client.listResourceTemplates();
    await client.readResource('r://x');
    await client.listPrompts();
    await client.getPrompt('p');
    expect(seen).toEqual([
      'tools/list',
      'tools/call t',
      'resources/list',
      'resources/templates/list',
      'resources/read r://x',
      'prompts/list',
      'prompts/get p',
    ]);
    await client.close();
  });
});

describe.each(eras)('middleware arguments (%s era)', (era) => {
  it('shows raw arguments to global middleware and validated, typed args to per-tool middleware', async () => {
    const observed: Record<string, unknown> = {};
    const app = createServer({ name: 'args', version: '1' })
      .use('tools/call', async (ctx, next) => {
        observed.globalArguments = { ...ctx.arguments };
        observed.globalArgs = ctx.args;
        return next();
      })
      .tool('count', {
        description: 'Counts',
        input: z.object({ n: z.coerce.number(), label: z.string().default('items') }),
        use: [
          async (ctx, next) => {
            observed.toolArgs = ctx.args;
            observed.toolArguments = { ...ctx.arguments };
            return next();
          },
        ],
        handler: ({ n, label }, ctx) => {
          observed.handlerCtxArgs = ctx.args;
          return `${n + 1} ${label}`;
        },
      });
    const client = await createTestClient(app, { era });
    const result = await client.callTool('count', { n: '41' });
    expect(resultText(result)).toBe('42 items');
    expect(observed).toEqual({
      globalArguments: { n: '41' },
      globalArgs: undefined,
      toolArgs: { n: 41, label: 'items' },
      toolArguments: { n: '41' },
      handlerCtxArgs: { n: 41, label: 'items' },
    });
    await client.close();
  });

  it('runs global middleware before validation, so it sees calls whose arguments are invalid', async () => {
    const seen: unknown[] = [];
    let perToolRan = false;
    const app = createServer({ name: 'args', version: '1' })
      .use('tools/call', async (ctx, next) => {
        seen.push(ctx.arguments);
        return next();
      })
      .tool('strict', {
        description: 'Strict',
        input: z.object({ n: z.number() }),
        use: [
          async (_ctx, next) => {
            perToolRan = true;
            return next();
          },
        ],
        handler: ({ n }) => String(n),
      });
    const client = await createTestClient(app, { era });
    expect(await client.callToolUnchecked('strict', { n: 'nope' })).toBeToolError('VALIDATION_FAILED');
    expect(seen).toEqual([{ n: 'nope' }]);
    expect(perToolRan).toBe(false);
    await client.close();
  });

  it('lets a global middleware read the tool listing entry', async () => {
    let annotations: unknown;
    const app = createServer({ name: 'args', version: '1' })
      .use('tools/call', async (ctx, next) => {
        annotations = ctx.tool.annotations;
        return next();
      })
      .tool('danger', {
        description: 'Destructive',
        annotations: { destructiveHint: true },
        handler: () => 'boom',
      });
    const client = await createTestClient(app, { era });
    await client.callTool('danger');
    expect(annotations).toEqual({ destructiveHint: true });
    await client.close();
  });
});

describe.each(eras)('middleware auth, state and list filtering (%s era)', (era) => {
  const build = () =>
    createServer({ name: 'auth', version: '1' })
      .use(async (ctx, next) => {
        const key = ctx.headers['x-api-key'];
        if (key === 'admin-key') ctx.auth = { subject: 'alice', scopes: ['admin', 'read'] };
        else if (key === 'reader-key') ctx.auth = { subject: 'bob', scopes: ['read'] };
        ctx.state.tenant = `tenant-of-${ctx.auth?.subject ?? 'anonymous'}`;
        return next();
      })
      .use('tools/list', async (ctx, next) => {
        const result = await next();
        const scopes = ctx.auth?.scopes ?? [];
        return {
          ...result,
          tools: result.tools.filter((tool) => {
            const needed = (tool._meta as { scope?: string } | undefined)?.scope;
            return needed === undefined || scopes.includes(needed);
          }),
        };
      })
      .use('tools/call', async (ctx, next) => {
        const needed = (ctx.tool._meta as { scope?: string } | undefined)?.scope;
        if (needed !== undefined && !ctx.auth?.scopes.includes(needed)) {
          throw new McpkitError('FORBIDDEN', `Tool ${ctx.name} needs the "${needed}" scope.`);
        }
        return next();
      })
      .tool('public_info', {
        description: 'For everyone',
        handler: (_args, ctx) => `hello ${ctx.state.tenant}`,
      })
      .tool('read_report', {
        description: 'Needs read',
        meta: { scope: 'read' },
        handler: (_args, ctx) => `report for ${ctx.auth?.subject}`,
      })
      .tool('delete_all', {
        description: 'Needs admin',
        meta: { scope: 'admin' },
        handler: () => 'deleted',
      });

  it('hides tools the caller may not call from tools/list, based on ctx.auth set by an earlier layer', async () => {
    const app = build();
    const anonymous = await createTestClient(app, { era });
    expect((await anonymous.listTools()).tools.map((t) => t.name)).toEqual(['public_info']);
    await anonymous.close();

    const reader = await createTestClient(app, { era, headers: { 'X-Api-Key': 'reader-key' } });
    const readerTools = (await reader.listTools()).tools.map((t) => t.name);
    expect(readerTools).toEqual(['public_info', 'read_report']);
    expect(readerTools).not.toContain('delete_all');
    await reader.close();

    const admin = await createTestClient(app, { era, headers: { 'x-api-key': 'admin-key' } });
    expect((await admin.listTools()).tools.map((t) => t.name)).toEqual([
      'public_info',
      'read_report',
      'delete_all',
    ]);
    await admin.close();
  });

  it('refuses a call to a hidden tool with FORBIDDEN', async () => {
    const client = await createTestClient(build(), { era, headers: { 'x-api-key': 'reader-key' } });
    const error = expectToolError(await client.callTool('delete_all'), 'FORBIDDEN');
    expect(error.message).toBe('Tool delete_all needs the "admin" scope.');
    expect(resultText(await client.callTool('read_report'))).toBe('report for bob');
    await client.close();
  });

  it('passes values inward through ctx.state', async () => {
    const client = await createTestClient(build(), { era, headers: { 'x-api-key': 'admin-key' } });
    expect(resultText(await client.callTool('public_info'))).toBe('hello tenant-of-alice');
    await client.close();
  });

  it('starts every request with fresh state and no identity', async () => {
    const trails: Array<string[] | undefined> = [];
    const app = createServer({ name: 'fresh', version: '1' })
      .use('tools/call', async (ctx, next) => {
        trails.push(ctx.state.trail);
        expect(ctx.auth).toBeUndefined();
        ctx.state.trail = ['outer'];
        ctx.auth = { subject: 'someone', scopes: [] };
        return next();
      })
      .tool('t', {
        description: 't',
        use: [
          async (ctx, next) => {
            ctx.state.trail?.push('per-tool');
            return next();
          },
        ],
        handler: (_args, ctx) => (ctx.state.trail ?? []).join('>'),
      });
    const client = await createTestClient(app, { era });
    expect(resultText(await client.callTool('t'))).toBe('outer>per-tool');
    expect(resultText(await client.callTool('t'))).toBe('outer>per-tool');
    expect(trails).toEqual([undefined, undefined]);
    await client.close();
  });

  it('filters resources, templates and prompts on their list methods', async () => {
    const app = createServer({ name: 'filter', version: '1' })
      .use('resources/list', async (_ctx, next) => {
        const result = await next();
        return { ...result, resources: result.resources.filter((r) => !r.uri.startsWith('secret://')) };
      })
      .use('resources/templates/list', async (_ctx, next) => {
        const result = await next();
        return { ...result, resourceTemplates: result.resourceTemplates.filter((t) => t.name !== 'hidden') };
      })
      .use('prompts/list', async (_ctx, next) => {
        const result = await next();
        return { ...result, prompts: result.prompts.filter((p) => p.name !== 'internal') };
      })
      .resource('public://a', { name: 'a', read: () => 'a' })
      .resource('secret://b', { name: 'b', read: () => 'b' })
      .resource('open://{id}', { name: 'shown', read: () => 'x' })
      .resource('hidden://{id}', { name: 'hidden', read: () => 'x' })
      .prompt('visible', { description: 'v', get: () => 'v' })
      .prompt('internal', { description: 'i', get: () => 'i' });
    const client = await createTestClient(app, { era });
    expect((await client.listResources()).resources.map((r) => r.uri)).toEqual(['public://a']);
    expect((await client.listResourceTemplates()).resourceTemplates.map((t) => t.name)).toEqual(['shown']);
    expect((await client.listPrompts()).prompts.map((p) => p.name)).toEqual(['visible']);
    await client.close();
  });

  it('does not mutate the registry when a list middleware filters', async () => {
    let calls = 0;
    const app = createServer({ name: 'filter', version: '1' })
      .use('tools/list', async (_ctx, next) => {
        calls++;
        const result = await next();
        return calls === 1 ? { ...result, tools: [] } : result;
      })
      .tool('a', { description: 'a', handler: () => 'a' })
      .tool('b', { description: 'b', handler: () => 'b' });
    const client = await createTestClient(app, { era });
    expect((await client.listTools()).tools).toEqual([]);
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['a', 'b']);
    await client.close();
  });
});

describe.each(eras)('middleware short-circuits and failures (%s era)', (era) => {
  it('lets a middleware answer with its own result without running the handler', async () => {
    let handlerRan = false;
    const app = createServer({ name: 'short', version: '1' })
      .use('tools/call', async (ctx, next) => {
        if (ctx.arguments.cached === true) return { content: [{ type: 'text', text: 'from cache' }] };
        return next();
      })
      .tool('slow', {
        description: 'Slow',
        input: z.object({ cached: z.boolean() }),
        handler: () => {
          handlerRan = true;
          return 'computed';
        },
      });
    const client = await createTestClient(app, { era });
    expect(resultText(await client.callTool('slow', { cached: true }))).toBe('from cache');
    expect(handlerRan).toBe(false);
    expect(resultText(await client.callTool('slow', { cached: false }))).toBe('computed');
    expect(handlerRan).toBe(true);
    await client.close();
  });

  it('lets a middleware rewrite the result on the way out', async () => {
    const app = createServer({ name: 'rewrite', version: '1' })
      .use('tools/call', async (_ctx, next) => {
        const result = await next();
        return { ...result, content: [...result.content, { type: 'text', text: 'footer' }] };
      })
      .tool('t', { description: 't', handler: () => 'body' });
    const client = await createTestClient(app, { era });
    expect(resultText(await client.callTool('t'))).toBe('body\nfooter');
    await client.close();
  });

  it('never runs the handler twice at once when a middleware calls next() again early', async () => {
    let running = 0;
    let overlapped = false;
    let handlerRuns = 0;
    const app = createServer({ name: 'twice', version: '1' })
      .use('tools/call', async (_ctx, next) => {
        const first = next();
        const second = next();
        await first;
        return second;
      })
      .tool('t', {
        description: 't',
        handler: async () => {
          handlerRuns++;
          running++;
          if (running > 1) overlapped = true;
          await new Promise((resolve) => setTimeout(resolve, 5));
          running--;
          return `run ${handlerRuns}`;
        },
      });
    const client = await createTestClient(app, { era });
    expect(resultText(await client.callTool('t'))).toBe('run 2');
    expect(handlerRuns).toBe(2);
    expect(overlapped).toBe(false);
    await client.close();
  });

  it('runs the rest of the chain again when next() is called after the previous call settled (retries)', async () => {
    let attempts = 0;
    const app = createServer({ name: 'retry', version: '1' }).tool('flaky', {
      description: 'Fails once, then answers',
      use: [
        async (_ctx, next) => {
          try {
            return await next();
          } catch {
            return next();
          }
        },
      ],
      handler: () => {
        attempts++;
        if (attempts === 1) throw new McpkitError('UPSTREAM_UNAVAILABLE', 'first attempt fails');
        return `attempt ${attempts}`;
      },
    });
    const client = await createTestClient(app, { era });
    expect(resultText(await client.callTool('flaky'))).toBe('attempt 2');
    await client.close();
  });

  it('turns an error thrown by tools/call middleware into a coded isError result', async () => {
    const app = createServer({ name: 'throws', version: '1' })
      .use('tools/call', async () => {
        throw new McpkitError('RATE_LIMITED', 'Slow down', { retryAfterMs: 250 });
      })
      .tool('t', { description: 't', handler: () => 'never' });
    const client = await createTestClient(app, { era });
    const error = expectToolError(await client.callTool('t'), 'RATE_LIMITED');
    expect(error).toMatchObject({ retryable: true, retryAfterMs: 250 });
    await client.close();
  });

  it('turns an error thrown by list middleware into a JSON-RPC error', async () => {
    const app = createServer({ name: 'throws', version: '1' })
      .use('tools/list', async () => {
        throw new McpkitError('UNAUTHORIZED', 'Sign in first');
      })
      .tool('t', { description: 't', handler: () => 'x' });
    const client = await createTestClient(app, { era });
    await expect(client.listTools()).rejects.toMatchObject({
      message: expect.stringContaining('Sign in first'),
      data: { code: 'UNAUTHORIZED' },
    });
    await client.close();
  });
});

describe.each(eras)('middleware on resources/read and prompts/get (%s era)', (era) => {
  it('sees the URI of a resources/read and can rewrite its contents', async () => {
    const seen: Array<{ uri: string; name: string }> = [];
    const app = createServer({ name: 'res', version: '1' })
      .use('resources/read', async (ctx, next) => {
        seen.push({ uri: ctx.uri, name: ctx.name });
        const result = await next();
        return {
          ...result,
          contents: result.contents.map((c) => ('text' in c ? { ...c, text: c.text.toUpperCase() } : c)),
        };
      })
      .resource('docs://{slug}', { name: 'doc', read: (_uri, { slug }) => `doc ${slug}` });
    const client = await createTestClient(app, { era });
    const { contents } = await client.readResource('docs://intro');
    expect(contents[0]).toMatchObject({ uri: 'docs://intro', text: 'DOC INTRO' });
    expect(seen).toEqual([{ uri: 'docs://intro', name: 'docs://intro' }]);
    await client.close();
  });

  it('can refuse a resources/read before the reader runs', async () => {
    let readerRan = false;
    const app = createServer({ name: 'res', version: '1' })
      .use('resources/read', async (ctx, next) => {
        if (ctx.uri.startsWith('private://')) throw new McpkitError('FORBIDDEN', 'Private resource');
        return next();
      })
      .resource('private://x', {
        name: 'x',
        read: () => {
          readerRan = true;
          return 'x';
        },
      });
    const client = await createTestClient(app, { era });
    await expect(client.readResource('private://x')).rejects.toMatchObject({
      message: expect.stringContaining('Private resource'),
      data: { code: 'FORBIDDEN' },
    });
    expect(readerRan).toBe(false);
    await client.close();
  });

  it('sees the prompt name and arguments of prompts/get and can short-circuit it', async () => {
    const seen: unknown[] = [];
    const app = createServer({ name: 'prompts', version: '1' })
      .use('prompts/get', async (ctx, next) => {
        seen.push({ name: ctx.name, arguments: { ...ctx.arguments } });
        if (ctx.arguments.topic === 'canned') {
          return { messages: [{ role: 'assistant', content: { type: 'text', text: 'canned answer' } }] };
        }
        return next();
      })
      .prompt('explain', {
        description: 'Explains a topic',
        args: z.object({ topic: z.string() }),
        get: ({ topic }) => `Explain ${topic}`,
      });
    const client = await createTestClient(app, { era });
    const live = await client.getPrompt('explain', { topic: 'monads' });
    expect(live.messages[0]?.content).toEqual({ type: 'text', text: 'Explain monads' });
    const canned = await client.getPrompt('explain', { topic: 'canned' });
    expect(canned.messages).toEqual([
      { role: 'assistant', content: { type: 'text', text: 'canned answer' } },
    ]);
    expect(seen).toEqual([
      { name: 'explain', arguments: { topic: 'monads' } },
      { name: 'explain', arguments: { topic: 'canned' } },
    ]);
    await client.close();
  });
});
