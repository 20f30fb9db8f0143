import {
  type audioContent,
  type ContextOf,
  createServer,
  createTelemetry,
  defineConfig,
  type imageContent,
  jsonSchema,
  type ListContext,
  McpkitError,
  type Middleware,
  type Next,
  type PromptGetContext,
  type ResourceReadContext,
  type ResultOf,
  type resourceContent,
  type resourceLink,
  secret,
  type TemplateVariables,
  type ToolCallContext,
  type textContent,
} from '@mcpkit/core';
import { describe, expectTypeOf, it } from 'vitest';
import * as z from 'zod';

/** The MCP `Tool` listing type, as core exposes it on the tool-call context. */
type Tool = ToolCallContext['tool'];
/** Every content block kind, as the content helpers build them. */
type ContentBlock =
  | ReturnType<typeof textContent>
  | ReturnType<typeof imageContent>
  | ReturnType<typeof audioContent>
  | ReturnType<typeof resourceContent>
  | ReturnType<typeof resourceLink>;

describe('tool inference', () => {
  it('infers handler args from an official-SDK-style raw shape, optional keys included', () => {
    createServer({ name: 't', version: '1' }).tool('greet', {
      description: 'Greets',
      input: { name: z.string(), times: z.number().optional() },
      output: { text: z.string() },
      handler: (args) => {
        expectTypeOf(args).toEqualTypeOf<{ name: string; times?: number | undefined }>();
        return { text: args.name };
      },
    });
  });

  it('infers handler args and ctx.args from the zod input schema', () => {
    createServer({ name: 't', version: '1' }).tool('search', {
      description: 'Searches',
      input: z.object({
        query: z.string(),
        limit: z.number().int().default(10),
        tags: z.array(z.string()).optional(),
      }),
      handler: (args, ctx) => {
        expectTypeOf(args).toEqualTypeOf<{ query: string; limit: number; tags?: string[] | undefined }>();
        expectTypeOf(ctx).toEqualTypeOf<ToolCallContext<typeof args>>();
        expectTypeOf(ctx.args).toEqualTypeOf(args);
        expectTypeOf(ctx.arguments).toEqualTypeOf<Readonly<Record<string, unknown>>>();
        // @ts-expect-error: not part of the schema
        args.page;
        return args.query;
      },
    });
  });

  it('gives a tool without input an empty argument record', () => {
    createServer({ name: 't', version: '1' }).tool('ping', {
      description: 'Pings',
      handler: (args) => {
        expectTypeOf(args).toEqualTypeOf<Record<string, never>>();
        return 'pong';
      },
    });
  });

  it('types jsonSchema({...}) input as an untyped record', () => {
    createServer({ name: 't', version: '1' }).tool('raw', {
      description: 'Raw',
      input: jsonSchema({ type: 'object', properties: { x: { type: 'string' } } }),
      handler: (args) => {
        expectTypeOf(args).toEqualTypeOf<Record<string, unknown>>();
        return 'ok';
      },
    });
  });

  it('accepts the inferred output, text, content blocks and full results from an output-schema tool', () => {
    const output = z.object({ sum: z.number(), note: z.string().optional() });
    createServer({ name: 't', version: '1' })
      .tool('add', {
        description: 'Adds',
        input: z.object({ a: z.number(), b: z.number() }),
        output,
        handler: ({ a, b }) => ({ sum: a + b }),
      })
      .tool('add_async', {
        description: 'Adds later',
        output,
        handler: async () => ({ sum: 1, note: 'n' }),
      })
      .tool('add_text', { description: 'Text', output, handler: () => 'text' })
      .tool('add_result', {
        description: 'Result',
        output,
        handler: () => ({ content: [{ type: 'text' as const, text: '3' }], structuredContent: { sum: 3 } }),
      });
  });

  it('rejects an output-schema handler returning the wrong shape', () => {
    const output = z.object({ sum: z.number() });
    createServer({ name: 't', version: '1' })
      .tool('wrong_type', {
        description: 'Wrong field type',
        output,
        // @ts-expect-error: sum must be a number
        handler: () => ({ sum: 'three' }),
      })
      .tool('wrong_async', {
        description: 'Wrong shape, async',
        output,
        // @ts-expect-error: total is not the output schema's shape
        handler: async () => ({ total: 3 }),
      });
  });

  it('rejects a handler returning a number or a plain object when there is no output schema', () => {
    createServer({ name: 't', version: '1' })
      // @ts-expect-error: a number is not a tool result
      .tool('num', { description: 'n', handler: () => 42 })
      // @ts-expect-error: without output schema a plain object is not a declared result
      .tool('obj', { description: 'o', handler: () => ({ count: 1 }) });
  });

  it('types per-tool middleware as tools/call middleware of that tool', () => {
    createServer({ name: 't', version: '1' }).tool('guarded', {
      description: 'Guarded',
      input: z.object({ id: z.string() }),
      use: [
        async (ctx, next) => {
          expectTypeOf(ctx).toEqualTypeOf<ToolCallContext<{ id: string }>>();
          expectTypeOf(next).toEqualTypeOf<Next<ResultOf<'tools/call'>>>();
          return next();
        },
      ],
      handler: ({ id }) => id,
    });
  });
});

describe('middleware typing', () => {
  it('types Middleware<"tools/call"> with ToolCallContext and CallToolResult', () => {
    type M = Middleware<'tools/call'>;
    expectTypeOf<Parameters<M>[0]>().toEqualTypeOf<ToolCallContext>();
    expectTypeOf<ContextOf<'tools/call'>>().toEqualTypeOf<ToolCallContext>();
    expectTypeOf<ReturnType<M>>().toEqualTypeOf<Promise<ResultOf<'tools/call'>>>();
    type Result = ResultOf<'tools/call'>;
    expectTypeOf<Result['content'][number]>().toEqualTypeOf<ContentBlock>();
    expectTypeOf<Result['isError']>().toEqualTypeOf<boolean | undefined>();
    // The 2026 wire type leaves structured content open.
    expectTypeOf<Result['structuredContent']>().toBeUnknown();
  });

  it('types .use("tools/call", mw) with the tool context and result', () => {
    createServer({ name: 't', version: '1' }).use('tools/call', async (ctx, next) => {
      expectTypeOf(ctx).toEqualTypeOf<ToolCallContext>();
      expectTypeOf(ctx.args).toBeUnknown();
      expectTypeOf(ctx.tool).toEqualTypeOf<Tool>();
      const result = await next();
      expectTypeOf(result).toEqualTypeOf<ResultOf<'tools/call'>>();
      return { ...result, content: [...result.content, { type: 'text', text: 'footer' }] };
    });
  });

  it('types .use("tools/list", mw) with the tool array', () => {
    createServer({ name: 't', version: '1' }).use('tools/list', async (ctx, next) => {
      expectTypeOf(ctx).toEqualTypeOf<ListContext<'tools/list'>>();
      // @ts-expect-error: list requests have no tool arguments
      ctx.args;
      const result = await next();
      expectTypeOf(result).toEqualTypeOf<{ tools: Tool[]; nextCursor?: string }>();
      expectTypeOf(result.tools).toEqualTypeOf<Tool[]>();
      return { tools: result.tools.filter((tool) => tool.annotations?.readOnlyHint === true) };
    });
  });

  it('rejects a tools/list middleware returning something other than the list', () => {
    // @ts-expect-error: the result must carry the tools array
    createServer({ name: 't', version: '1' }).use('tools/list', async () => ({ prompts: [] }));
  });

  it('types resources/read and prompts/get middleware with their contexts', () => {
    createServer({ name: 't', version: '1' })
      .use('resources/read', async (ctx, next) => {
        expectTypeOf(ctx).toEqualTypeOf<ResourceReadContext>();
        expectTypeOf(ctx.uri).toBeString();
        const result = await next();
        expectTypeOf(result).toEqualTypeOf<ResultOf<'resources/read'>>();
        return result;
      })
      .use('prompts/get', async (ctx, next) => {
        expectTypeOf(ctx).toEqualTypeOf<PromptGetContext>();
        expectTypeOf(ctx.arguments).toEqualTypeOf<Readonly<Record<string, string>>>();
        return next();
      });
  });

  it('types middleware for several list methods with the union of their contexts', () => {
    createServer({ name: 't', version: '1' }).use(['tools/list', 'prompts/list'], async (ctx, next) => {
      expectTypeOf(ctx.method).toEqualTypeOf<'tools/list' | 'prompts/list'>();
      return next();
    });
  });

  it('refuses a method name that is not an MCP method', () => {
    // @ts-expect-error: not a method middleware can be scoped to
    createServer({ name: 't', version: '1' }).use('tools/delete', async (_ctx, next) => next());
  });
});

describe('resource and prompt inference', () => {
  it('types template variables by name', () => {
    createServer({ name: 't', version: '1' }).resource('notes://{id}/{rev}', {
      name: 'note',
      read: (uri, vars, ctx) => {
        expectTypeOf(uri).toBeString();
        expectTypeOf(vars).toEqualTypeOf<Record<'id' | 'rev', string>>();
        expectTypeOf(ctx).toEqualTypeOf<ResourceReadContext>();
        // @ts-expect-error: not a variable of the template
        vars.page;
        return `${vars.id}@${vars.rev}`;
      },
      complete: {
        id: (value) => [value],
        rev: () => ['1'],
      },
    });
  });

  it('limits template completers to the template variables', () => {
    createServer({ name: 't', version: '1' }).resource('users://{name}', {
      name: 'user',
      read: (_uri, { name }) => name,
      complete: {
        // @ts-expect-error: the template has no "org" variable
        org: () => [],
      },
    });
  });

  it('gives static resources a (uri, ctx) reader', () => {
    createServer({ name: 't', version: '1' }).resource('config://app', {
      name: 'config',
      read: (uri, ctx) => {
        expectTypeOf(uri).toBeString();
        expectTypeOf(ctx).toEqualTypeOf<ResourceReadContext>();
        return { blob: 'AA==', mimeType: 'application/octet-stream' };
      },
    });
  });

  it('parses RFC 6570 operators, lists and modifiers into variable names', () => {
    expectTypeOf<TemplateVariables<'files://{+path}'>>().toEqualTypeOf<'path'>();
    expectTypeOf<TemplateVariables<'search{?q,limit}'>>().toEqualTypeOf<'q' | 'limit'>();
    expectTypeOf<TemplateVariables<'x://{a}{/segments*}{#frag:3}'>>().toEqualTypeOf<
      'a' | 'segments' | 'frag'
    >();
    expectTypeOf<TemplateVariables<'plain://uri'>>().toBeNever();
  });

  it('infers prompt arguments from the zod object', () => {
    createServer({ name: 't', version: '1' }).prompt('review', {
      description: 'Reviews',
      args: z.object({ code: z.string(), language: z.string().optional() }),
      get: (args, ctx) => {
        expectTypeOf(args).toEqualTypeOf<{ code: string; language?: string | undefined }>();
        expectTypeOf(ctx).toEqualTypeOf<PromptGetContext>();
        return args.code;
      },
    });
  });
});

describe('errors, telemetry and config typing', () => {
  it('accepts only known error codes', () => {
    new McpkitError('NOT_FOUND', 'x', { retryAfterMs: 1, hint: 'h', details: { a: 1 } });
    // @ts-expect-error: not an error code
    new McpkitError('TEAPOT', 'x');
  });

  it('types telemetry events by name', () => {
    const telemetry = createTelemetry();
    const off = telemetry.on('request.end', (event) => {
      expectTypeOf(event.durationMs).toBeNumber();
      expectTypeOf(event.outcome).toEqualTypeOf<'ok' | 'error'>();
      expectTypeOf(event.errorCode).toEqualTypeOf<string | undefined>();
    });
    expectTypeOf(off).toEqualTypeOf<() => void>();
    // @ts-expect-error: breaker events carry a name
    telemetry.emit('breaker.open', { key: 'x' });
  });

  it('types the config as the schema output', () => {
    const config = defineConfig(
      z.object({
        PORT: z.coerce.number().default(8080),
        API_KEY: secret(z.string()),
        DEBUG: z.string().optional(),
      }),
      { env: {}, exit: false },
    );
    expectTypeOf(config).toEqualTypeOf<{ PORT: number; API_KEY: string; DEBUG?: string | undefined }>();
  });
});
