import { createServer } from '@mcpkit/core';
import * as z from 'zod';
import * as f from '../fixtures.mjs';

let builder = createServer({ name: 'bench-mcpkit', version: '1.0.0', logger: undefined })
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
  builder = builder.tool(tool.name, {
    description: tool.description,
    input: f.fillerInput,
    handler: f.filler,
  });
}
const handle = await builder.serve({ port: f.port, handleSignals: true, allowedHosts: [] });
console.log(`READY ${handle.port}`);
