import type {
  CallToolResult,
  CompleteResult,
  GetPromptResult,
  ReadResourceResult,
} from '@modelcontextprotocol/server';
import { toCallToolResult } from '../protocol/content.js';
import { ProtocolError, RpcCode } from '../protocol/rpc-error.js';
import type { McpMethod } from './context.js';
import type { Completer, PromptReturn, ResourceReturn } from './definitions.js';
import { McpkitError, toErrorPayload, toMcpkitError } from './errors.js';
import { isInputRequired } from './input-required.js';
import { compose, type Middleware, type Next, type ScopedMiddleware } from './middleware.js';
import { type FrozenTool, matchTemplate, type Registry } from './registry.js';
import type { RequestContext } from './request-context.js';
import { SharedResults } from './shared-results.js';
import type { Tasks } from './tasks/tasks.js';

type Handler = (ctx: RequestContext) => Promise<unknown>;
type Layer = (ctx: RequestContext, next: Next<unknown>) => Promise<unknown>;

function layersFor(middleware: readonly ScopedMiddleware[], method: McpMethod): Layer[] {
  return middleware
    .filter((m) => m.methods === undefined || m.methods.has(method))
    .map((m) => m.fn as unknown as Layer);
}

function notFound(message: string, data?: unknown): ProtocolError {
  return new ProtocolError(RpcCode.INVALID_PARAMS, message, data);
}

/**
 * Validates a successful result against the tool's output schema. A mismatch is a server bug, so
 * the client gets `INTERNAL` while the log names the offending fields.
 */
function checkOutput(tool: FrozenTool, result: CallToolResult): CallToolResult | Promise<CallToolResult> {
  if (!tool.output || result.isError) return result;
  if (result.structuredContent === undefined) {
    throw new McpkitError(
      'INTERNAL',
      `Tool "${tool.name}" declares an output schema but returned no structured content.`,
      {
        cause: new Error('missing structuredContent'),
        retryable: false,
      },
    );
  }
  const invalid = (error: unknown) =>
    new McpkitError('INTERNAL', 'The server failed while handling this request.', {
      cause: error,
      retryable: false,
      hint: 'The tool produced output that does not match its declared schema; report the request id.',
    });
  const accept = (parsed: unknown): CallToolResult => ({
    ...result,
    structuredContent: parsed as Record<string, unknown>,
  });
  let parsed: unknown;
  try {
    parsed = tool.output.parse(result.structuredContent, `output of tool "${tool.name}"`);
  } catch (error) {
    throw invalid(error);
  }
  return parsed instanceof Promise
    ? parsed.then(accept, (error) => {
        throw invalid(error);
      })
    : accept(parsed);
}

/** Converts what a tool chain threw into an `isError` result carrying the coded error. */
export function toolErrorResult(error: unknown, ctx: RequestContext): CallToolResult {
  const coded = toMcpkitError(error);
  if (coded.code === 'INTERNAL') {
    // Unknown exceptions keep their full detail for the log; the client sees only the coded summary.
    ctx.logger.error({ err: coded.cause ?? error, tool: ctx.name }, 'tool failed with an unexpected error');
  } else {
    // A coded failure is an answer the client gets, not a server fault: the request's own line
    // (logging() in the middleware package) records it; debug keeps one line per refused request.
    ctx.logger.debug({ code: coded.code, tool: ctx.name, retryable: coded.retryable }, coded.message);
  }
  const payload = toErrorPayload(coded, ctx.requestId);
  const lines = [`Error ${payload.code}: ${payload.message}`];
  if (payload.hint) lines.push(`Hint: ${payload.hint}`);
  if (payload.retryable) {
    lines.push(
      payload.retryAfterMs !== undefined
        ? `Retry after ${payload.retryAfterMs} ms.`
        : 'This call may be retried.',
    );
  }
  return {
    content: [{ type: 'text', text: lines.join('\n') }],
    structuredContent: { error: payload },
    isError: true,
  };
}

function normalizeResource(
  value: ResourceReturn,
  uri: string,
  mimeType: string | undefined,
): ReadResourceResult {
  if (typeof value === 'string') {
    return { contents: [mimeType ? { uri, mimeType, text: value } : { uri, text: value }] };
  }
  if ('contents' in value && Array.isArray(value.contents)) return value as ReadResourceResult;
  const entry = { uri, ...(mimeType ? { mimeType } : {}), ...(value as object) };
  return { contents: [entry] } as ReadResourceResult;
}

/** Adds a resource's cache hint to a modern-era read (legacy results have no such field). */
function withTtl(
  result: ReadResourceResult,
  ttlMs: number | undefined,
  ctx: RequestContext,
): ReadResourceResult {
  if (ttlMs === undefined || ctx.era !== 'modern' || 'ttlMs' in result) return result;
  return { ...result, ttlMs } as ReadResourceResult;
}

function normalizePrompt(value: PromptReturn, description: string | undefined): GetPromptResult {
  if (typeof value === 'string') {
    return {
      ...(description ? { description } : {}),
      messages: [{ role: 'user', content: { type: 'text', text: value } }],
    };
  }
  if (Array.isArray(value)) return { ...(description ? { description } : {}), messages: value };
  return value;
}

async function runCompleter(
  completer: Completer | undefined,
  value: string,
  args: Record<string, string>,
  ctx: RequestContext,
): Promise<CompleteResult> {
  if (!completer) return { completion: { values: [], total: 0, hasMore: false } };
  const out = await completer(value, { arguments: args, ctx });
  const completion = Array.isArray(out) ? { values: out } : out;
  const values = completion.values.slice(0, 100);
  return {
    completion: {
      values,
      total: completion.total ?? completion.values.length,
      hasMore: completion.hasMore ?? completion.values.length > values.length,
    },
  };
}

/** The frozen dispatch table: one composed chain per method, and one per tool. */
export class Dispatcher {
  readonly #chains = new Map<string, Handler>();
  readonly #toolChains = new Map<string, Handler>();

  constructor(
    readonly registry: Registry,
    middleware: readonly ScopedMiddleware[],
    tasks?: Tasks,
    shared: SharedResults = new SharedResults(),
  ) {
    const r = registry;
    const chain = (method: McpMethod, terminal: Handler) => {
      this.#chains.set(method, compose(layersFor(middleware, method), terminal));
    };
    // One frozen result per list, the same object for every request: it is serialized once.
    const tools = shared.share({ tools: r.toolList });
    const resources = shared.share({ resources: r.resourceList });
    const templates = shared.share({ resourceTemplates: r.templateList });
    const prompts = shared.share({ prompts: r.promptList });
    chain('tools/list', async () => tools);
    chain('resources/list', async () => resources);
    chain('resources/templates/list', async () => templates);
    chain('prompts/list', async () => prompts);
    chain('resources/read', (ctx) => this.#readResource(ctx));
    chain('prompts/get', (ctx) => this.#getPrompt(ctx));
    chain('completion/complete', (ctx) => this.#complete(ctx));
    chain('ping', async () => ({}));
    if (tasks !== undefined) {
      // The Tasks extension's methods run through the global middleware, so an auth middleware
      // has set ctx.auth, which owns the task, before the store is asked.
      const taskChain = (method: string, terminal: Handler) =>
        this.#chains.set(method, compose(layersFor(middleware, method as McpMethod), terminal));
      taskChain('tasks/get', (ctx) => tasks.get(ctx.params, ctx.auth));
      taskChain('tasks/update', (ctx) => tasks.update(ctx.params, ctx.auth));
      taskChain('tasks/cancel', (ctx) => tasks.cancel(ctx.params, ctx.auth));
    }

    const toolLayers = layersFor(middleware, 'tools/call');
    for (const tool of r.tools.values()) {
      const structured = tool.output !== undefined;
      const finish = (value: unknown) => checkOutput(tool, toCallToolResult(value, structured));
      // Synchronous handlers and validators are common: awaiting only real promises saves a
      // microtask hop per step on the hot path.
      const invoke: Handler = (ctx) => {
        try {
          const value = tool.options.handler(ctx.args as never, ctx as never);
          return value instanceof Promise ? value.then(finish) : Promise.resolve(finish(value));
        } catch (error) {
          return Promise.reject(error);
        }
      };
      // A task-eligible call detaches just before its handler, after validation and middleware,
      // so refusals (auth, limits, bad arguments) still answer the request itself.
      const inner = compose((tool.options.use ?? []) as unknown as Layer[], (ctx) => {
        const hook = ctx.hook;
        return hook?.mode === 'start' ? hook.detach().then(() => invoke(ctx)) : invoke(ctx);
      });
      const label = `arguments for tool "${tool.name}"`;
      const validate: Handler = (ctx) => {
        if (!tool.input) {
          ctx.args = {};
          return inner(ctx);
        }
        try {
          const parsed = tool.input.parse(ctx.arguments, label);
          if (parsed instanceof Promise) {
            return parsed.then((args) => {
              ctx.args = args;
              return inner(ctx);
            });
          }
          ctx.args = parsed;
          return inner(ctx);
        } catch (error) {
          return Promise.reject(error);
        }
      };
      this.#toolChains.set(tool.name, compose(toolLayers, validate));
    }
  }

  /** The composed chain for a method other than `tools/call`, or undefined when the method is not served here. */
  chainFor(method: string): Handler | undefined {
    return this.#chains.get(method);
  }

  /** Looks up a tool; unknown tools are a protocol error naming the tool. */
  tool(name: unknown): FrozenTool {
    const tool = typeof name === 'string' ? this.registry.tools.get(name) : undefined;
    if (!tool) {
      throw notFound(`Unknown tool: ${String(name)}`, {
        hint: 'Call tools/list to see the tools this server offers.',
      });
    }
    return tool;
  }

  /** Runs a tool's chain; handler failures become `isError` results, protocol and control signals pass through. */
  async callTool(ctx: RequestContext): Promise<CallToolResult> {
    const run = this.#toolChains.get(ctx.name as string)!;
    try {
      return (await run(ctx)) as CallToolResult;
    } catch (error) {
      if (error instanceof ProtocolError || isInputRequired(error)) throw error;
      return toolErrorResult(error, ctx);
    }
  }

  async #readResource(ctx: RequestContext): Promise<ReadResourceResult> {
    const uri = ctx.uri as string;
    const fixed = this.registry.resources.get(uri);
    if (fixed) {
      const result = normalizeResource(
        await fixed.options.read(uri, ctx as never),
        uri,
        fixed.options.mimeType,
      );
      return withTtl(result, fixed.options.ttlMs, ctx);
    }
    const match = matchTemplate(this.registry.templates, uri);
    if (match) {
      const { template, variables } = match;
      const value = await template.options.read(uri, variables, ctx as never);
      return withTtl(normalizeResource(value, uri, template.options.mimeType), template.options.ttlMs, ctx);
    }
    throw new ProtocolError(RpcCode.INVALID_PARAMS, 'Resource not found', { uri });
  }

  async #getPrompt(ctx: RequestContext): Promise<GetPromptResult> {
    const prompt = this.registry.prompts.get(ctx.name as string);
    if (!prompt) {
      throw notFound(`Unknown prompt: ${String(ctx.name)}`, {
        hint: 'Call prompts/list to see the prompts this server offers.',
      });
    }
    let args: unknown = ctx.arguments;
    try {
      args = prompt.args
        ? await prompt.args.parse(ctx.arguments, `arguments for prompt "${prompt.name}"`)
        : {};
    } catch (error) {
      if (error instanceof McpkitError)
        throw new ProtocolError(RpcCode.INVALID_PARAMS, error.message, error.details);
      throw error;
    }
    return normalizePrompt(await prompt.options.get(args as never, ctx as never), prompt.listing.description);
  }

  async #complete(ctx: RequestContext): Promise<CompleteResult> {
    const params = ctx.params as {
      ref?: { type?: string; name?: string; uri?: string };
      argument?: { name?: string; value?: string };
      context?: { arguments?: Record<string, string> };
    };
    const ref = params.ref;
    const argName = params.argument?.name;
    const value = params.argument?.value ?? '';
    if (!ref || typeof argName !== 'string') {
      throw new ProtocolError(RpcCode.INVALID_PARAMS, 'completion/complete needs ref and argument.name.');
    }
    const args = params.context?.arguments ?? {};
    if (ref.type === 'ref/prompt') {
      const prompt = this.registry.prompts.get(String(ref.name));
      if (!prompt) throw notFound(`Unknown prompt: ${String(ref.name)}`);
      return runCompleter(prompt.complete[argName], value, args, ctx);
    }
    if (ref.type === 'ref/resource') {
      const template = this.registry.templates.find((t) => t.listing.uriTemplate === ref.uri);
      if (!template) {
        if (this.registry.resources.has(String(ref.uri))) return runCompleter(undefined, value, args, ctx);
        throw notFound(`Unknown resource template: ${String(ref.uri)}`);
      }
      return runCompleter(template.options.complete?.[argName], value, args, ctx);
    }
    throw new ProtocolError(RpcCode.INVALID_PARAMS, `Unknown completion reference type: ${String(ref.type)}`);
  }
}

export type { Middleware };
