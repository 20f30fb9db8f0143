import { FastMCP } from 'fastmcp';
import * as z from 'zod';
import * as f from '../fixtures.mjs';

const server = new FastMCP({ name: 'bench-fastmcp', version: '1.0.0' });
server.addTool({
  name: 'add',
  description: 'Adds two numbers',
  parameters: f.addInput,
  execute: async (args) => f.add(args),
});
server.addTool({
  name: 'create_order',
  description: 'Creates an order',
  parameters: f.orderInput,
  execute: async (args) => JSON.stringify(f.createOrder(args)),
});
server.addTool({
  name: 'progress',
  description: 'Reports progress three times',
  parameters: z.object({}),
  execute: async (_args, { reportProgress }) => {
    for (let step = 1; step <= f.PROGRESS_STEPS; step++)
      await reportProgress({ progress: step, total: f.PROGRESS_STEPS });
    return 'done';
  },
});
for (const t of f.FILLER_TOOLS) {
  server.addTool({
    name: t.name,
    description: t.description,
    parameters: f.fillerInput,
    execute: async (args) => f.filler(args),
  });
}
await server.start({
  transportType: 'httpStream',
  httpStream: { port: f.port, host: '127.0.0.1', endpoint: '/mcp', stateless: true },
});
console.log(`READY ${f.port}`);
