// The ceiling: JSON-RPC answered by hand on node:http. It validates nothing beyond what the
// workloads need and builds the same answers (tools/list is precomputed once).
import { createServer } from 'node:http';
import * as z from 'zod';
import * as f from '../fixtures.mjs';

const schema = (s) => z.toJSONSchema(s, { target: 'draft-2020-12' });
const tools = [
  { name: 'add', description: 'Adds two numbers', inputSchema: schema(f.addInput) },
  {
    name: 'create_order',
    description: 'Creates an order',
    inputSchema: schema(f.orderInput),
    outputSchema: schema(f.orderOutput),
  },
  {
    name: 'progress',
    description: 'Reports progress three times',
    inputSchema: { type: 'object', properties: {} },
  },
  ...f.FILLER_TOOLS.map((t) => ({ ...t, inputSchema: schema(f.fillerInput) })),
];
const META_VERSION = 'io.modelcontextprotocol/protocolVersion';

function result(body, value) {
  const modern = body.params?._meta?.[META_VERSION] !== undefined;
  if (modern) value.resultType = 'complete';
  return JSON.stringify({ jsonrpc: '2.0', id: body.id, result: value });
}

function answer(body) {
  switch (body.method) {
    case 'tools/list': {
      const modern = body.params?._meta?.[META_VERSION] !== undefined;
      return result(body, modern ? { tools, ttlMs: 0, cacheScope: 'public' } : { tools });
    }
    case 'tools/call': {
      const { name, arguments: args } = body.params;
      if (name === 'add') return result(body, { content: [{ type: 'text', text: f.add(args) }] });
      if (name === 'create_order') {
        const order = f.createOrder(args);
        return result(body, {
          content: [{ type: 'text', text: JSON.stringify(order) }],
          structuredContent: order,
        });
      }
      return result(body, { content: [{ type: 'text', text: f.filler(args) }] });
    }
    default:
      return JSON.stringify({
        jsonrpc: '2.0',
        id: body.id,
        error: { code: -32601, message: 'Method not found' },
      });
  }
}

const http = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (body.method === 'tools/call' && body.params.name === 'progress') {
      const token = body.params._meta?.progressToken;
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      for (let step = 1; step <= f.PROGRESS_STEPS; step++) {
        const note = {
          jsonrpc: '2.0',
          method: 'notifications/progress',
          params: { progressToken: token, progress: step, total: f.PROGRESS_STEPS },
        };
        res.write(`data: ${JSON.stringify(note)}\n\n`);
      }
      res.end(`data: ${result(body, { content: [{ type: 'text', text: 'done' }] })}\n\n`);
      return;
    }
    const text = answer(body);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  });
});
http.listen(f.port, '127.0.0.1', () => console.log(`READY ${http.address().port}`));
process.on('SIGTERM', () => process.exit(0));
