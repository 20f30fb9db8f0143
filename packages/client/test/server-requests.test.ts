import { createClient, type ServerLog } from '@mcpkit/client';
import { createServer, silentLogger } from '@mcpkit/core';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';

/** A server whose tool asks the client for everything a server can ask: input, a completion, roots. */
function askingServer() {
  return createServer({ name: 'asking', version: '1.0.0', logger: silentLogger }).tool('plan_trip', {
    description: 'Plans a trip, asking the user, the model and the client',
    input: { city: z.string() },
    output: { traveller: z.string(), idea: z.string(), roots: z.array(z.string()) },
    handler: async ({ city }, ctx) => {
      ctx.log('info', `planning ${city}`);
      const form = await ctx.elicit({
        mode: 'form',
        message: 'Who travels?',
        requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
      });
      const sampled = await ctx.sample({
        messages: [{ role: 'user', content: { type: 'text', text: `One idea for ${city}` } }],
        maxTokens: 50,
      });
      const { roots } = await ctx.listRoots();
      const content = sampled.content;
      return {
        traveller: String(form.content?.name),
        idea: !Array.isArray(content) && content.type === 'text' ? content.text : '',
        roots: roots.map((root) => root.uri),
      };
    },
  });
}

describe.each(['legacy', 'modern'] as const)('what a server asks, %s era', (era) => {
  it('answers elicitation, sampling and roots through the handlers (server requests or input_required rounds)', async () => {
    const asked: string[] = [];
    const logs: ServerLog[] = [];
    const client = await createClient(askingServer(), {
      era,
      logLevel: 'info',
      onLog: (log) => logs.push(log),
      elicitation: (params) => {
        asked.push(`elicit:${params.message}`);
        return { action: 'accept', content: { name: 'Ada' } };
      },
      sampling: () => {
        asked.push('sample');
        return { role: 'assistant', model: 'test', content: { type: 'text', text: 'See the harbour' } };
      },
      roots: async () => {
        asked.push('roots');
        return [{ uri: 'file:///trips', name: 'trips' }];
      },
    });
    try {
      const plan = await client.tools.plan_trip({ city: 'Lisbon' });
      expect(plan).toEqual({ traveller: 'Ada', idea: 'See the harbour', roots: ['file:///trips'] });
      expect(asked).toEqual(['elicit:Who travels?', 'sample', 'roots']);
      await expect.poll(() => logs.map((log) => log.data)).toContain('planning Lisbon');
    } finally {
      await client.close();
    }
  });
});
