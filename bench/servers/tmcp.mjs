import { ZodJsonSchemaAdapter } from '@tmcp/adapter-zod';
import { HttpTransport } from '@tmcp/transport-http';
import { McpServer } from 'tmcp';
import { tool } from 'tmcp/utils';
import * as z from 'zod';
import * as f from '../fixtures.mjs';
import { serveFetch } from './node-fetch-bridge.mjs';

const server = new McpServer(
  { name: 'bench-tmcp', version: '1.0.0', description: 'bench' },
  { adapter: new ZodJsonSchemaAdapter(), capabilities: { tools: { listChanged: true } } },
);
server.tool({ name: 'add', description: 'Adds two numbers', schema: f.addInput }, async (args) =>
  tool.text(f.add(args)),
);
server.tool(
  {
    name: 'create_order',
    description: 'Creates an order',
    schema: f.orderInput,
    outputSchema: f.orderOutput,
  },
  async (args) => tool.structured(f.createOrder(args)),
);
server.tool(
  { name: 'progress', description: 'Reports progress three times', schema: z.object({}) },
  async () => {
    for (let step = 1; step <= f.PROGRESS_STEPS; step++) server.progress(step, f.PROGRESS_STEPS);
    return tool.text('done');
  },
);
for (const t of f.FILLER_TOOLS) {
  server.tool({ name: t.name, description: t.description, schema: f.fillerInput }, async (args) =>
    tool.text(f.filler(args)),
  );
}
const transport = new HttpTransport(server, { path: '/mcp', allowedOrigins: true });
serveFetch((request) => transport.respond(request), f.port);
