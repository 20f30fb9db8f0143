import { createServer } from 'node:http';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import * as z from 'zod';
import * as f from '../fixtures.mjs';

// The official SDK v2 serving entry: a fresh McpServer per request, both eras.
const handler = createMcpHandler(() => {
  const server = new McpServer({ name: 'bench-sdk-v2', version: '1.0.0' });
  server.registerTool('add', { description: 'Adds two numbers', inputSchema: f.addInput }, async (args) => ({
    content: [{ type: 'text', text: f.add(args) }],
  }));
  server.registerTool(
    'create_order',
    { description: 'Creates an order', inputSchema: f.orderInput, outputSchema: f.orderOutput },
    async (args) => {
      const order = f.createOrder(args);
      return { content: [{ type: 'text', text: JSON.stringify(order) }], structuredContent: order };
    },
  );
  server.registerTool(
    'progress',
    { description: 'Reports progress three times', inputSchema: z.object({}) },
    async (_args, ctx) => {
      const token = ctx.mcpReq._meta?.progressToken;
      if (token !== undefined) {
        for (let step = 1; step <= f.PROGRESS_STEPS; step++) {
          await ctx.mcpReq.notify({
            method: 'notifications/progress',
            params: { progressToken: token, progress: step, total: f.PROGRESS_STEPS },
          });
        }
      }
      return { content: [{ type: 'text', text: 'done' }] };
    },
  );
  for (const tool of f.FILLER_TOOLS) {
    server.registerTool(
      tool.name,
      { description: tool.description, inputSchema: f.fillerInput },
      async (args) => ({
        content: [{ type: 'text', text: f.filler(args) }],
      }),
    );
  }
  return server;
});
const listener = toNodeHandler(handler);
const http = createServer((req, res) => {
  if (req.url?.startsWith('/mcp')) listener(req, res);
  else res.writeHead(404).end();
});
http.listen(f.port, '127.0.0.1', () => console.log(`READY ${http.address().port}`));
process.on('SIGTERM', () => process.exit(0));
