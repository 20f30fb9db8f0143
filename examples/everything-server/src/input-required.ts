import type { InputRequestSpec, ServerBuilder } from '@mcpkit/core';

const askName: InputRequestSpec = {
  method: 'elicitation/create',
  params: {
    message: 'What is your name?',
    requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
  },
};

const askConfirm: InputRequestSpec = {
  method: 'elicitation/create',
  params: {
    message: 'Please confirm',
    requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] },
  },
};

const sampleCapital: InputRequestSpec = {
  method: 'sampling/createMessage',
  params: {
    messages: [{ role: 'user', content: { type: 'text', text: 'What is the capital of France?' } }],
    maxTokens: 100,
  },
};

const listRoots: InputRequestSpec = { method: 'roots/list', params: {} };

function nameOf(answer: unknown): string {
  const content = (answer as { content?: { name?: unknown } }).content;
  return typeof content?.name === 'string' ? content.name : 'stranger';
}

function textOf(answer: unknown): string {
  const content = (answer as { content?: { type?: string; text?: string } }).content;
  return content?.type === 'text' ? (content.text ?? '') : JSON.stringify(content);
}

/**
 * Multi-round-trip fixtures: each handler asks for input through the context. In the modern era
 * that becomes an `input_required` result (retried with `inputResponses` and a signed
 * `requestState`); in the legacy era the same calls are requests on the call's own stream.
 */
export function inputRequiredFixtures(builder: ServerBuilder): ServerBuilder {
  return builder
    .tool('test_input_required_result_elicitation', {
      description: 'Asks the user for their name, then greets them',
      handler: async (_args, ctx) => {
        const { user_name } = await ctx.requestInputs({ user_name: askName });
        return `Hello, ${nameOf(user_name)}!`;
      },
    })
    .tool('test_input_required_result_sampling', {
      description: "Asks the client's model a question",
      handler: async (_args, ctx) => {
        const { capital_question } = await ctx.requestInputs({ capital_question: sampleCapital });
        return `The model says: ${textOf(capital_question)}`;
      },
    })
    .tool('test_input_required_result_list_roots', {
      description: "Asks for the client's roots",
      handler: async (_args, ctx) => {
        const { client_roots } = await ctx.requestInputs({ client_roots: listRoots });
        const roots = (client_roots as { roots: Array<{ uri: string }> }).roots;
        return `The client has ${roots.length} root(s): ${roots.map((r) => r.uri).join(', ')}`;
      },
    })
    .tool('test_input_required_result_request_state', {
      description: 'Asks for a confirmation and carries state between rounds',
      handler: async (_args, ctx) => {
        const { confirm } = await ctx.requestInputs({ confirm: askConfirm });
        return `state-ok: confirmed=${JSON.stringify((confirm as { content?: unknown }).content ?? null)}`;
      },
    })
    .tool('test_input_required_result_multiple_inputs', {
      description: 'Asks for a name, a generated greeting and the roots in one round',
      handler: async (_args, ctx) => {
        const answers = await ctx.requestInputs({
          user_name: askName,
          greeting: {
            method: 'sampling/createMessage',
            params: {
              messages: [{ role: 'user', content: { type: 'text', text: 'Generate a greeting' } }],
              maxTokens: 50,
            },
          },
          client_roots: listRoots,
        });
        return `${textOf(answers.greeting)} ${nameOf(answers.user_name)} (roots: ${(answers.client_roots as { roots: unknown[] }).roots.length})`;
      },
    })
    .tool('test_input_required_result_multi_round', {
      description: 'Asks for a name, then for a favourite colour in a second round',
      handler: async (_args, ctx) => {
        const { step1 } = await ctx.requestInputs({ step1: askName });
        const { step2 } = await ctx.requestInputs({
          step2: {
            method: 'elicitation/create',
            params: {
              message: `Hi ${nameOf(step1)}, what is your favourite colour?`,
              requestedSchema: {
                type: 'object',
                properties: { color: { type: 'string' } },
                required: ['color'],
              },
            },
          },
        });
        const color = (step2 as { content?: { color?: string } }).content?.color ?? 'unknown';
        return `${nameOf(step1)} likes ${color}.`;
      },
    })
    .tool('test_input_required_result_tampered_state', {
      description: 'Asks for a confirmation; a tampered requestState is rejected',
      handler: async (_args, ctx) => {
        await ctx.requestInputs({ confirm: askConfirm });
        return 'Confirmed with an intact request state.';
      },
    })
    .tool('test_input_required_result_capabilities', {
      description: 'Asks only for the kinds of input the client declared',
      handler: async (_args, ctx) => {
        const declared = ctx.client.capabilities as Record<string, unknown>;
        const wanted: Record<string, InputRequestSpec> = {};
        if (declared.sampling) wanted.capital_question = sampleCapital;
        if (declared.elicitation) wanted.user_name = askName;
        if (declared.roots) wanted.client_roots = listRoots;
        if (Object.keys(wanted).length === 0)
          return 'The client declared no input capabilities; nothing to ask.';
        const answers = await ctx.requestInputs(wanted);
        return `Received ${Object.keys(answers).length} answer(s).`;
      },
    })
    .prompt('test_input_required_result_prompt', {
      description: 'A prompt that first asks the user for context',
      get: async (_args, ctx) => {
        const { user_context } = await ctx.requestInputs({
          user_context: {
            method: 'elicitation/create',
            params: {
              message: 'What context should the prompt use?',
              requestedSchema: {
                type: 'object',
                properties: { context: { type: 'string' } },
                required: ['context'],
              },
            },
          },
        });
        const context = (user_context as { content?: { context?: string } }).content?.context ?? '';
        return `Use this context: ${context}`;
      },
    });
}
