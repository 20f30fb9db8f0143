import type { ServerBuilder } from '@mcpkit/core';
import * as z from 'zod';

/** Tools that ask the client for input: sampling and elicitation (era-aware through the context). */
export function interactiveTools(builder: ServerBuilder): ServerBuilder {
  return builder
    .tool('test_sampling', {
      description: "Asks the client's model to answer a prompt",
      input: z.object({ prompt: z.string().describe('The prompt to send to the LLM') }),
      handler: async ({ prompt }, ctx) => {
        const answer = await ctx.sample({
          messages: [{ role: 'user', content: { type: 'text', text: prompt } }],
          maxTokens: 100,
        });
        const content = answer.content as { type: string; text?: string };
        return `LLM response: ${content.type === 'text' ? content.text : JSON.stringify(content)}`;
      },
    })
    .tool('test_elicitation', {
      description: 'Asks the user for their information',
      input: z.object({ message: z.string().describe('The message to show the user') }),
      handler: async ({ message }, ctx) => {
        const answer = await ctx.elicit({
          message,
          requestedSchema: {
            type: 'object',
            properties: {
              username: { type: 'string', description: "User's response" },
              email: { type: 'string', description: "User's email address" },
            },
            required: ['username', 'email'],
          },
        });
        return `User response: action=${answer.action}, content=${JSON.stringify(answer.content ?? {})}`;
      },
    })
    .tool('test_elicitation_sep1034_defaults', {
      description: 'Elicits a form whose fields carry default values',
      handler: async (_args, ctx) => {
        const answer = await ctx.elicit({
          message: 'Please review and update the form fields with defaults',
          requestedSchema: {
            type: 'object',
            properties: {
              name: { type: 'string', description: 'User name', default: 'John Doe' },
              age: { type: 'integer', description: 'User age', default: 30 },
              score: { type: 'number', description: 'User score', default: 95.5 },
              status: {
                type: 'string',
                description: 'User status',
                enum: ['active', 'inactive', 'pending'],
                default: 'active',
              },
              verified: { type: 'boolean', description: 'Verification status', default: true },
            },
            required: [],
          },
        });
        return `Elicitation completed: action=${answer.action}, content=${JSON.stringify(answer.content ?? {})}`;
      },
    })
    .tool('test_elicitation_sep1330_enums', {
      description: 'Elicits single- and multi-select enums, titled and untitled',
      handler: async (_args, ctx) => {
        const answer = await ctx.elicit({
          message: 'Please select options from the enum fields',
          requestedSchema: {
            type: 'object',
            properties: {
              untitledSingle: {
                type: 'string',
                description: 'Select one option',
                enum: ['option1', 'option2', 'option3'],
              },
              titledSingle: {
                type: 'string',
                description: 'Select one option with titles',
                oneOf: [
                  { const: 'value1', title: 'First Option' },
                  { const: 'value2', title: 'Second Option' },
                  { const: 'value3', title: 'Third Option' },
                ],
              },
              legacyEnum: {
                type: 'string',
                description: 'Select one option (legacy)',
                enum: ['opt1', 'opt2', 'opt3'],
                enumNames: ['Option One', 'Option Two', 'Option Three'],
              },
              untitledMulti: {
                type: 'array',
                description: 'Select multiple options',
                minItems: 1,
                maxItems: 3,
                items: { type: 'string', enum: ['option1', 'option2', 'option3'] },
              },
              titledMulti: {
                type: 'array',
                description: 'Select multiple options with titles',
                minItems: 1,
                maxItems: 3,
                items: {
                  anyOf: [
                    { const: 'value1', title: 'First Choice' },
                    { const: 'value2', title: 'Second Choice' },
                    { const: 'value3', title: 'Third Choice' },
                  ],
                },
              },
            },
            required: [],
          },
        });
        return `Elicitation completed: action=${answer.action}, content=${JSON.stringify(answer.content ?? {})}`;
      },
    })
    .tool('test_missing_capability', {
      description: 'Needs sampling; refused when the client did not declare it',
      handler: async (_args, ctx) => {
        const answer = await ctx.sample({
          messages: [{ role: 'user', content: { type: 'text', text: 'Say hello' } }],
          maxTokens: 20,
        });
        return `Sampled: ${JSON.stringify(answer.content)}`;
      },
    })
    .tool('test_streaming_elicitation', {
      description:
        'Streams its answer; in the modern era a response stream never carries requests to the client',
      handler: (_args, ctx) => {
        ctx.progress(1, 1, 'done');
        return 'Streaming completed without asking the client anything.';
      },
    });
}
