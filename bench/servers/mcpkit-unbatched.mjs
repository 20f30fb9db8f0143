// The bare mcpkit server with response batching turned off (`batchResponses: false`): every
// response is written as soon as it is ready. Compared with `mcpkit` on workload (a), it shows what
// writing the responses of one event-loop turn together is worth.
import { createServer } from '@mcpkit/core';
import * as f from '../fixtures.mjs';
import { registerTools } from './mcpkit-tools.mjs';

const builder = registerTools(createServer({ name: 'bench-mcpkit-unbatched', version: '1.0.0' }));
const handle = await builder.serve({
  port: f.port,
  handleSignals: true,
  allowedHosts: [],
  batchResponses: false,
});
console.log(`READY ${handle.port}`);
