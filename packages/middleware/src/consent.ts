import { isInputRequired, McpkitError, type Middleware, type ToolCallContext } from '@mcpkit/core';

/** Options of {@link consent}. */
export interface ConsentOptions {
  /** Tools that always need confirmation, by name. Default: none beyond the annotated ones. */
  tools?: readonly string[];
  /** Also confirm every tool annotated `destructiveHint: true`. Default: true. */
  destructive?: boolean;
  /** The question shown to the user. Default: names the tool and says it may change or delete data. */
  message?: (ctx: ToolCallContext) => string;
}

/**
 * Asks the user to confirm before a destructive (or listed) tool runs, through core's era-aware
 * elicitation (legacy `elicitation/create`, modern `input_required`). Anything but an explicit
 * acceptance — a decline, a cancel, or a client that cannot ask — is a `FORBIDDEN` refusal and the
 * handler does not run. In a tool's `use` it takes the tool's argument and output types.
 */
export function consent<Args = unknown, Out = unknown>(
  options: ConsentOptions = {},
): Middleware<'tools/call', Args, Out> {
  const listed = new Set(options.tools ?? []);
  const destructive = options.destructive ?? true;
  const message =
    options.message ??
    ((ctx: ToolCallContext) =>
      `Allow the tool "${ctx.tool.title ?? ctx.name}" to run? It may change or delete data.`);

  return async (ctx, next) => {
    const needed = listed.has(ctx.name) || (destructive && ctx.tool.annotations?.destructiveHint === true);
    if (!needed) return next();
    if (ctx.client.described && ctx.client.capabilities.elicitation === undefined) {
      throw refusal(ctx.name, 'unavailable', 'The client cannot ask the user for confirmation.');
    }
    let answer: Awaited<ReturnType<ToolCallContext['elicit']>>;
    try {
      answer = await ctx.elicit({
        mode: 'form',
        message: message(ctx),
        requestedSchema: {
          type: 'object',
          properties: { confirm: { type: 'boolean', title: 'Confirm', description: 'Run this action' } },
          required: ['confirm'],
        },
      });
    } catch (error) {
      // The modern era asks by raising input_required; that signal must reach the transport.
      if (isInputRequired(error)) throw error;
      ctx.logger.warn({ err: error, tool: ctx.name }, 'consent elicitation failed');
      throw refusal(ctx.name, 'unavailable', 'The user could not be asked for confirmation.');
    }
    if (answer.action !== 'accept' || answer.content?.confirm !== true) {
      throw refusal(ctx.name, 'declined', 'The user did not confirm this action.');
    }
    return next();
  };
}

function refusal(tool: string, consent: 'declined' | 'unavailable', message: string): McpkitError {
  return new McpkitError('FORBIDDEN', message, {
    retryable: false,
    details: { consent, tool },
    hint:
      consent === 'declined'
        ? 'Do not retry unless the user asks for this action again.'
        : 'Use a client that supports elicitation so the user can confirm.',
  });
}
