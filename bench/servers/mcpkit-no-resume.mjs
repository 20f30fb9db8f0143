// The bare mcpkit server with legacy-era resumability turned off (`eventStore: false`). Compared
// with `mcpkit` on the streaming workload (d) in the legacy era, it shows what resumable streams cost.
import { createServer } from '@mcpkit/core';
import * as f from '../fixtures.mjs';
import { registerTools } from './mcpkit-tools.mjs';

const builder = registerTools(createServer({ name: 'bench-mcpkit-no-resume', version: '1.0.0' }));
const handle = await builder.serve({
  port: f.port,
  handleSignals: true,
  allowedHosts: [],
  eventStore: false,
});
console.log(`READY ${handle.port}`);
