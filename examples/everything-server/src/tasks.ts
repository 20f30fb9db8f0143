import { McpkitError, ProtocolError, RpcCode, type ServerBuilder } from '@mcpkit/core';
import * as z from 'zod';
import { sleep } from './fixtures.js';

const askConfirm = (filename: string) => ({
  method: 'elicitation/create' as const,
  params: {
    message: `Delete ${filename}?`,
    requestedSchema: {
      type: 'object' as const,
      properties: { confirm: { type: 'boolean' as const } },
      required: ['confirm'],
    },
  },
});

const askName = {
  method: 'elicitation/create' as const,
  params: {
    message: 'What is your name?',
    requestedSchema: {
      type: 'object' as const,
      properties: { name: { type: 'string' as const } },
      required: ['name'],
    },
  },
};

function contentOf(answer: unknown): Record<string, unknown> {
  const content = (answer as { content?: unknown }).content;
  return typeof content === 'object' && content !== null ? (content as Record<string, unknown>) : {};
}

/**
 * Task fixtures (the Tasks extension, SEP-2663): tools that run as tasks when the client declares
 * the extension — a slow computation to poll or cancel, a tool error and a protocol error, input
 * asked for while running, and input asked for before the call becomes a task.
 */
export function taskFixtures(builder: ServerBuilder): ServerBuilder {
  return builder
    .tool('greet', {
      description: 'Greets someone at once (never runs as a task)',
      input: z.object({ name: z.string() }),
      handler: ({ name }) => `Hello, ${name}!`,
    })
    .tool('slow_compute', {
      description: 'Works for the given number of seconds, then reports; runs as a task when it can',
      input: z.object({ seconds: z.number().min(0).max(600), label: z.string().optional() }),
      taskSupport: 'optional',
      handler: async ({ seconds, label }, ctx) => {
        ctx.progress(0, seconds, `Computing ${label ?? 'result'}`);
        await sleep(seconds * 1_000, ctx.signal);
        return `Computed ${label ?? 'result'} in ${seconds} s.`;
      },
    })
    .tool('failing_job', {
      description: 'Always runs as a task and ends with a tool error',
      taskSupport: 'required',
      handler: async (_args, ctx) => {
        await sleep(1_000, ctx.signal);
        throw new McpkitError('UPSTREAM_ERROR', 'The job failed upstream.', { retryable: false });
      },
    })
    .tool('protocol_error_job', {
      description: 'Runs as a task and ends with a JSON-RPC error',
      taskSupport: 'optional',
      handler: async (_args, ctx) => {
        await sleep(200, ctx.signal);
        throw new ProtocolError(RpcCode.INTERNAL_ERROR, 'The job hit an internal protocol error.');
      },
    })
    .tool('confirm_delete', {
      description: 'Asks the user to confirm, then deletes the file',
      input: z.object({ filename: z.string() }),
      taskSupport: 'optional',
      handler: async ({ filename }, ctx) => {
        const answer = await ctx.elicit(askConfirm(filename).params);
        return contentOf(answer).confirm === true ? `Deleted ${filename}.` : `Kept ${filename}.`;
      },
    })
    .tool('multi_input', {
      description: 'Asks two questions at once, then answers',
      taskSupport: 'optional',
      handler: async (_args, ctx) => {
        const { name, confirm } = await ctx.requestInputs({
          name: askName,
          confirm: askConfirm('notes.txt'),
        });
        return `Hello, ${String(contentOf(name).name ?? 'stranger')}; confirmed: ${String(contentOf(confirm).confirm)}.`;
      },
    })
    .tool('test_tool_with_task', {
      description: 'Asks for a name before it becomes a task, then greets in the task',
      taskSupport: 'required',
      task: { detach: 'manual' },
      handler: async (_args, ctx) => {
        const { user_name } = await ctx.requestInputs({ user_name: askName });
        await ctx.detach();
        await sleep(100, ctx.signal);
        return `Hello, ${String(contentOf(user_name).name ?? 'stranger')}!`;
      },
    });
}
