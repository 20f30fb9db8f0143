// The tool set every mcpkit bench server registers (the same tools the peers serve).
import * as z from 'zod';
import * as f from '../fixtures.mjs';

/** Registers the benchmark tools on an mcpkit builder and returns it. */
export function registerTools(builder) {
  let b = builder
    .tool('add', { description: 'Adds two numbers', input: f.addInput, handler: f.add })
    .tool('create_order', {
      description: 'Creates an order',
      input: f.orderInput,
      output: f.orderOutput,
      handler: f.createOrder,
    })
    .tool('progress', {
      description: 'Reports progress three times',
      input: z.object({}),
      handler: (_args, ctx) => {
        for (let step = 1; step <= f.PROGRESS_STEPS; step++) ctx.progress(step, f.PROGRESS_STEPS);
        return 'done';
      },
    });
  for (const tool of f.FILLER_TOOLS) {
    b = b.tool(tool.name, { description: tool.description, input: f.fillerInput, handler: f.filler });
  }
  return b;
}
